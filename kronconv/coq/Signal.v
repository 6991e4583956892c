(* Finitely supported 1-D signals and kernels, indexed from 0, over a ring.

   An array of extent n is a function nat -> R that vanishes from index n on
   (`has_extent n A`).  All operations are defined on every function nat -> R:
   sums run over the indices that can contribute (s <= t), so no finiteness
   hypothesis is needed to define them, and full convolution of arrays indexed
   from 0 is exactly `conv`.

   Notation of the docs (docs/cascade-theorem.md, `kronconv prove`):
     (K * F)[t]   = sum_tau K[tau] F[t - tau]        conv K F t
     (K *_d F)[t] = sum_tau K[tau] F[t - d tau]      dconv d K F t
     dilate(K, d)[d tau] = K[tau], 0 elsewhere       dilate d K
     E_d = (1, 0, ..., 0) of extent d                selector
     (A (x) B)[n i + j] = A[i] B[j], 0 <= j < n      kron n A B   (numpy.kron)
*)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Signals.

Variable R : ringType.
Implicit Types (A B C K F G : nat -> R) (d n m s t : nat).

(* A has extent n: A[i] = 0 for every i >= n (an array of n entries). *)
Definition has_extent n A := forall i, (n <= i)%N -> A i = 0.

(* Full convolution: (A * B)[t] = sum_(i <= t) A[i] B[t - i]. *)
Definition conv A B t := \sum_(i < t.+1) A i * B (t - i)%N.

(* Dilated convolution: (K *_d F)[t] = sum_(tau : d tau <= t) K[tau] F[t - d tau]. *)
Definition dconv d K F t := \sum_(i < t.+1 | (d * i <= t)%N) K i * F (t - d * i)%N.

(* Cross-correlation with a kernel of extent m: (K ** F)[t] = sum_(tau < m) K[tau] F[t + tau]. *)
Definition corr m K F t := \sum_(i < m) K i * F (t + i)%N.

(* Dilated cross-correlation: (K **_d F)[t] = sum_(tau < m) K[tau] F[t + d tau]. *)
Definition dcorr d m K F t := \sum_(i < m) K i * F (t + d * i)%N.

(* dilate(K, d)[s] = K[s / d] when d divides s, and 0 otherwise. *)
Definition dilate d K s := if d %| s then K (s %/ d) else 0.

(* The selector E_d: a single 1 at index 0 (its extent d is carried by kron). *)
Definition selector s : R := (s == 0%N)%:R.

(* numpy.kron's index map for B of extent n: (A (x) B)[s] = A[s / n] B[s mod n]. *)
Definition kron n A B s := A (s %/ n) * B (s %% n).

(* ---------------------------------------------------------------- extents *)

Lemma has_extent_leq n1 n2 A : (n1 <= n2)%N -> has_extent n1 A -> has_extent n2 A.
Proof. by move=> le12 hA i le2i; apply: hA; apply: leq_trans le2i. Qed.

Lemma selector_extent d : (0 < d)%N -> has_extent d selector.
Proof. by move=> d_gt0 [|i] lei; rewrite /selector //; move: (leq_trans d_gt0 lei). Qed.

(* The dilated kernel of a kernel of extent m >= 1 has extent d (m - 1) + 1. *)
Theorem dilate_extent d m K : (0 < d)%N -> (0 < m)%N -> has_extent m K ->
  has_extent (d * m.-1).+1 (dilate d K).
Proof.
move=> d_gt0 m_gt0 hK s les; rewrite /dilate; case: ifP => // /dvdnP[q eq_s].
rewrite eq_s mulnK // hK //; have: (d * m.-1 < d * q)%N by rewrite [(d * q)%N]mulnC -eq_s.
by rewrite ltn_pmul2l // -(prednK m_gt0).
Qed.

(* The Kronecker product of extents m and n has extent m n. *)
Lemma kron_extent n m A B : (0 < n)%N -> has_extent m A -> has_extent (m * n) (kron n A B).
Proof.
move=> n_gt0 hA s les; rewrite /kron hA ?mul0r //.
by rewrite leq_divRL // mulnC.
Qed.

(* ----------------------------------------------------------- convolution *)

Lemma conv_rev A B t : conv A B t = \sum_(i < t.+1) A (t - i)%N * B i.
Proof.
rewrite /conv (reindex_inj rev_ord_inj) /=.
by apply: eq_bigr => i _; rewrite subKn // -ltnS.
Qed.

Lemma eq_conv A1 A2 B1 B2 : A1 =1 A2 -> B1 =1 B2 -> conv A1 B1 =1 conv A2 B2.
Proof. by move=> eA eB t; apply: eq_bigr => i _; rewrite eA eB. Qed.

(* The triangle {(j, q, k) : j + q + k = t} summed in two orders. *)
Lemma sum_triangle t (c : nat -> nat -> nat -> R) :
  \sum_(j < t.+1) \sum_(k < (t - j).+1) c j (t - j - k)%N k
    = \sum_(k < t.+1) \sum_(j < (t - k).+1) c j (t - k - j)%N k.
Proof.
transitivity (\sum_(j < t.+1) \sum_(k < t.+1 | (k <= t - j)%N) c j (t - j - k)%N k).
  by apply: eq_bigr => j _; rewrite (big_ord_narrow_leq (leq_subr _ _)).
rewrite (exchange_big_dep predT) //=; apply: eq_bigr => k _.
transitivity (\sum_(j < t.+1 | (j <= t - k)%N) c j (t - j - k)%N k).
  apply: eq_bigl => j; rewrite -ltnS -(ltnS j) -!subSn ?leq_ord //.
  by rewrite -subn_gt0 -(subn_gt0 j) -!subnDA addnC.
rewrite (big_ord_narrow_leq (leq_subr _ _)) /=.
by apply: eq_bigr => j _; rewrite -!subnDA addnC.
Qed.

(* Convolution is associative: A * (B * C) = (A * B) * C. *)
Theorem convA A B C : conv A (conv B C) =1 conv (conv A B) C.
Proof.
move=> t; rewrite [conv A _ t]/conv conv_rev.
rewrite (eq_bigr (fun j : 'I_t.+1 => \sum_(k < (t - j).+1) A j * (B (t - j - k)%N * C k))); last first.
  by move=> j _; rewrite conv_rev big_distrr.
rewrite (sum_triangle t (fun j q k => A j * (B q * C k))).
by apply: eq_bigr => k _; rewrite /conv big_distrl; apply: eq_bigr => j _; rewrite mulrA.
Qed.

(* ------------------------------------------------------- dilation lemma *)

(* Reindexing s = d i: the multiples of d below N are the d i with d i < N. *)
Lemma sum_dilate d N (G : nat -> R) : (0 < d)%N ->
  \sum_(s < N.+1) (if d %| s then G (s %/ d) else 0)
    = \sum_(i < N.+1 | (d * i < N.+1)%N) G i.
Proof.
move=> d_gt0; rewrite -big_mkcond /=.
rewrite (reindex_onto (fun i : 'I_N.+1 => inord (d * i)) (fun s : 'I_N.+1 => inord (s %/ d))) /=.
  rewrite (eq_bigl (fun i : 'I_N.+1 => d * i < N.+1)%N).
    by apply: eq_bigr => i lt_di; rewrite inordK // mulKn.
  move=> i /=; have [lt_di|ge_di] := ltnP (d * i) N.+1.
    rewrite inordK // mulKn // dvdn_mulr ?dvdnn //=.
    by apply/eqP/val_inj; rewrite /= inordK.
  have h0 : (inord (d * i) : 'I_N.+1) = ord0 by rewrite /inord /insubd insubN // -leqNgt.
  rewrite h0 /= div0n; apply/negbTE/nandP; right; apply/negP => /eqP i0.
  by move: ge_di; rewrite -i0 inordK // muln0.
move=> s dvd; apply: val_inj => /=.
have lt_q : (s %/ d < N.+1)%N by rewrite ltnS (leq_trans (leq_div _ _)) // -ltnS.
by rewrite (inordK lt_q) [(d * _)%N]mulnC divnK // inordK.
Qed.

(* Dilation lemma, as a convolution: K *_d F = dilate(K, d) * F. *)
Theorem dconv_dilate d K F : (0 < d)%N -> dconv d K F =1 conv (dilate d K) F.
Proof.
move=> d_gt0 t; rewrite /conv /dilate.
rewrite (eq_bigr (fun s : 'I_t.+1 => if d %| s then K (s %/ d) * F (t - d * (s %/ d))%N else 0)).
  by rewrite (sum_dilate _ (fun i => K i * F (t - d * i)%N)) //; apply: eq_bigl => i.
by move=> s _; case: ifP => [dvd|_]; rewrite ?mul0r // [(d * _)%N]mulnC divnK.
Qed.

(* Dilation lemma, as a Kronecker product: dilate(K, d) = K (x) E_d, whose
   entries from d (m - 1) + 1 on are 0, so trimming them loses nothing
   (see dilate_extent). *)
Theorem dilate_kron_selector d K : (0 < d)%N -> dilate d K =1 kron d K selector.
Proof.
move=> d_gt0 s; rewrite /dilate /kron /selector /dvdn.
by case: eqP => _; rewrite ?mulr1 ?mulr0.
Qed.

(* ----------------------------------------------------- Kronecker lemma *)

(* One term survives: sum_(i : n i <= t) G i (t - n i) = G (t / n) (t mod n)
   when G i j = 0 for j >= n. *)
Lemma sum_kron_single n t (G : nat -> nat -> R) : (0 < n)%N ->
  (forall i j, (n <= j)%N -> G i j = 0) ->
  \sum_(i < t.+1 | (n * i <= t)%N) G i (t - n * i)%N = G (t %/ n) (t %% n).
Proof.
move=> n_gt0 hG; have le_q : (t %/ n < t.+1)%N by rewrite ltnS leq_div.
rewrite (bigD1 (Ordinal le_q)) /=; last by rewrite mulnC leq_trunc_div.
rewrite big1 ?addr0.
  have -> : (t - n * (t %/ n) = t %% n)%N by rewrite {1}(divn_eq t n) mulnC addKn.
  by [].
move=> i /andP[le_it ne_i]; rewrite hG //.
have ne : (i : nat) != t %/ n by apply: contraNneq ne_i => ei; apply/eqP/val_inj.
rewrite leq_subRL //; case: (ltngtP i (t %/ n)) ne => // [lt_i _|gt_i _].
  by rewrite addnC -mulnS (leq_trans _ (leq_trunc_div t n)) // mulnC leq_pmul2r.
exfalso; move: (ltn_ceil t n_gt0); rewrite ltnNge => /negP; apply.
by rewrite (leq_trans _ le_it) // mulnC leq_pmul2l.
Qed.

(* A dilated convolution by n with B of extent n hits one term per output. *)
Lemma dconv_kron n A B : (0 < n)%N -> has_extent n B -> dconv n A B =1 kron n A B.
Proof.
move=> n_gt0 hB t; rewrite /dconv /kron (@sum_kron_single n t (fun i j => A i * B j)) //.
by move=> i j le; rewrite hB ?mulr0.
Qed.

(* Kronecker lemma: if B has extent n, then dilate(A, n) * B = A (x) B. *)
Theorem conv_dilate_kron n A B : (0 < n)%N -> has_extent n B ->
  conv (dilate n A) B =1 kron n A B.
Proof. by move=> n_gt0 hB t; rewrite -dconv_dilate // dconv_kron. Qed.

End Signals.
