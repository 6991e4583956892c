(* The correlation variant (kronconv prove --correlation), every D:
   (K ** F)[t] = sum_(tau < m) K[tau] F[t + tau] for a kernel of extent m per
   axis (PyTorch's "convolution"), and the cascade F_(l+1) = K_l **_(a^l) F_l
   equals (K_(L-1) (x) ... (x) K_0) ** F_0.  The window m of a correlation is
   the kernel's extent, so no further extent hypothesis is needed.  Output
   indices are t >= 0 (every output of a "valid" correlation); an output at a
   negative index is the output at index >= 0 of a shifted signal. *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.
From Kronconv Require Import Signal Multi.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Correlation.

Variable R : ringType.
Local Notation arr := (seq nat -> R).
Implicit Types (A B K F : arr) (t : seq nat) (d m n : nat).

(* (K ** F)[t] = sum_(tau < m, per axis) K[tau] F[t + tau]. *)
Fixpoint corrn m t K F : R :=
  if t is t0 :: t' then \sum_(i < m) corrn m t' (slice K i) (slice F (t0 + i)%N)
  else K [::] * F [::].

(* (K **_d F)[t] = sum_(tau < m, per axis) K[tau] F[t + d tau]. *)
Fixpoint dcorrn d m t K F : R :=
  if t is t0 :: t' then \sum_(i < m) dcorrn d m t' (slice K i) (slice F (t0 + d * i)%N)
  else K [::] * F [::].

Lemma eq_dcorrn d m t K F1 F2 : (forall s, size s = size t -> F1 s = F2 s) ->
  dcorrn d m t K F1 = dcorrn d m t K F2.
Proof.
elim: t K F1 F2 => [|t0 t IH] K F1 F2 eF /=; first by rewrite eF.
by apply: eq_bigr => i _; apply: IH => s hs; apply: eF; rewrite /= hs.
Qed.

Lemma dcorrn_sumr d m t K p (Fj : nat -> arr) :
  dcorrn d m t K (fun s => \sum_(j < p) Fj j s) = \sum_(j < p) dcorrn d m t K (Fj j).
Proof.
elim: t K Fj => [|t0 t IH] K Fj /=; first by rewrite big_distrr.
rewrite [RHS]exchange_big /=; apply: eq_bigr => i _.
exact: (IH _ (fun j => slice (Fj j) (t0 + d * i)%N)).
Qed.

(* Summing over s < m n is summing over (s / n, s mod n) in [0, m) x [0, n). *)
Lemma sum_div_mod m n (G : nat -> nat -> R) : (0 < n)%N ->
  \sum_(s < m * n) G (s %/ n) (s %% n) = \sum_(i < m) \sum_(j < n) G i j.
Proof.
move=> n_gt0.
transitivity (\sum_(0 <= s < m * n) G (s %/ n) (s %% n)); first by rewrite big_mkord.
transitivity (\sum_(0 <= i < m) \sum_(j < n) G i j); last by rewrite big_mkord.
rewrite big_nat_mul; apply: eq_big_nat => i _.
rewrite -{1}[(i * n)%N]add0n big_addn mulSn addnK big_mkord.
apply: eq_bigr => j _; rewrite addnC divnMDl // divn_small // addn0.
by rewrite modnMDl modn_small.
Qed.

(* Kronecker lemma for correlations: A **_n (B ** F) = (A (x) B) ** F, for A of
   extent m and B of extent n (per axis), every D. *)
Theorem dcorrn_kron n m t A B F : (0 < n)%N ->
  dcorrn n m t A (fun u => corrn n u B F) = corrn (m * n) t (kronn n A B) F.
Proof.
move=> n_gt0; elim: t A B F => [|t0 t IH] A B F /=; first by rewrite /kronn /= mulrA.
transitivity (\sum_(i < m) \sum_(j < n)
                corrn (m * n) t (kronn n (slice A i) (slice B j)) (slice F (t0 + n * i + j)%N)).
  apply: eq_bigr => i _.
  rewrite (@dcorrn_sumr n m t (slice A i) n
             (fun j u => corrn n u (slice B j) (slice F (t0 + n * i + j)%N))).
  by apply: eq_bigr => j _; rewrite IH.
rewrite -(@sum_div_mod m n (fun i j =>
            corrn (m * n) t (kronn n (slice A i) (slice B j)) (slice F (t0 + n * i + j)%N))) //.
by apply: eq_bigr => s _; rewrite -addnA [(n * _)%N]mulnC -divn_eq.
Qed.

Lemma corrn_selectorn t F : corrn 1 t (selectorn R) F = F t.
Proof.
elim: t F => [|t0 t IH] F /=; first by rewrite /selectorn /= mul1r.
by rewrite big_ord_recl big_ord0 addr0 addn0; apply: IH.
Qed.

(* F_0 = F and F_(l+1) = K_l **_(dil l) F_l, kernels of extent m. *)
Fixpoint cascade_corr (dil : nat -> nat) m L (K : nat -> arr) F : arr :=
  if L is L'.+1 then fun t => dcorrn (dil L') m t (K L') (cascade_corr dil m L' K F) else F.

(* Cascade theorem, correlation (every D, every L, a >= 1): for kernels of
   extent a per axis, F_(l+1) = K_l **_(a^l) F_l gives
     F_L = (K_(L-1) (x) ... (x) K_0) ** F_0
   (a correlation with the kernel of extent a^L) at every index t. *)
Theorem cascade_corr_kron a L (K : nat -> arr) F t : (0 < a)%N ->
  cascade_corr (expn a) a L K F t = corrn (a ^ L) t (kron_kerneln (expn a) L K) F.
Proof.
move=> a_gt0; elim: L t => [|L IH] t /=; first by rewrite expn0 corrn_selectorn.
rewrite (@eq_dcorrn _ _ _ _ _ (fun u => corrn (a ^ L) u (kron_kerneln (expn a) L K) F)).
  by rewrite dcorrn_kron ?expn_gt0 ?a_gt0 // expnS.
by move=> s _; apply: IH.
Qed.

End Correlation.
