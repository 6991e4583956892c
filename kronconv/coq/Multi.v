(* D-dimensional arrays, for every D: the dilation lemma, the Kronecker lemma
   and the cascade theorem on every axis at once.

   An index is a list of D naturals t = [:: t_1; ...; t_D] (axis 1 first, as
   numpy's row-major order); an array is a function seq nat -> R, read on
   indices of size D.  Sums run axis by axis over the box 0 <= i <= t, so
     (A * B)[t]   = sum_(0 <= i <= t) A[i] B[t - i]               convn t A B
     (K *_d F)[t] = sum_(0 <= tau, d tau <= t) K[tau] F[t - d tau]  dconvn d t K F
     dilate(K, d)[s] = K[s / d] if d divides every s_k, else 0      dilaten d K
     (A (x) B)[s] = A[s / n] B[s mod n], axis by axis (numpy.kron, B of extent n per axis)
   D = size t is not fixed in the definitions: each theorem holds for every D. *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.
From Kronconv Require Import Signal.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Multi.

Variable R : ringType.
Local Notation arr := (seq nat -> R).
Implicit Types (A B C K F : arr) (s t : seq nat) (d n m D : nat).

(* The slice of A at first index i: A_i[j] = A[i :: j]. *)
Definition slice A i : arr := fun j => A (i :: j).

Fixpoint convn t A B : R :=
  if t is t0 :: t' then \sum_(i < t0.+1) convn t' (slice A i) (slice B (t0 - i)%N)
  else A [::] * B [::].

(* Full D-dimensional convolution A * B, as an array. *)
Definition convD A B : arr := fun t => convn t A B.

Fixpoint dconvn d t K F : R :=
  if t is t0 :: t' then
    \sum_(i < t0.+1 | (d * i <= t0)%N) dconvn d t' (slice K i) (slice F (t0 - d * i)%N)
  else K [::] * F [::].

Definition dilaten d K : arr :=
  fun s => if all (fun x => d %| x) s then K (map (divn^~ d) s) else 0.

Definition kronn n A B : arr := fun s => A (map (divn^~ n) s) * B (map (modn^~ n) s).

(* E: a single 1 at the origin. *)
Definition selectorn : arr := fun s => (all (fun x => x == 0%N) s)%:R.

(* A has extent n on every axis (as a D-dimensional array). *)
Definition has_extentn D n A := forall s, size s = D -> has (leq n) s -> A s = 0.

(* -------------------------------------------------------------- basics *)

Lemma eq_convn t A1 A2 B1 B2 :
  (forall s, size s = size t -> A1 s = A2 s) -> (forall s, size s = size t -> B1 s = B2 s) ->
  convn t A1 B1 = convn t A2 B2.
Proof.
elim: t A1 A2 B1 B2 => [|t0 t IH] A1 A2 B1 B2 eA eB /=; first by rewrite eA // eB.
by apply: eq_bigr => i _; apply: IH => s hs; [apply: eA | apply: eB]; rewrite /= hs.
Qed.

Lemma convn0l t B : convn t (fun _ => 0) B = 0.
Proof.
elim: t B => [|t0 t IH] B /=; first by rewrite mul0r.
by rewrite big1 // => i _; apply: IH.
Qed.

Lemma convn_suml t m (Ak : nat -> arr) B :
  convn t (fun s => \sum_(k < m) Ak k s) B = \sum_(k < m) convn t (Ak k) B.
Proof.
elim: t Ak B => [|t0 t IH] Ak B /=; first by rewrite big_distrl.
rewrite [RHS]exchange_big /=; apply: eq_bigr => i _.
exact: (IH (fun k => slice (Ak k) i)).
Qed.

Lemma convn_sumr t m A (Bk : nat -> arr) :
  convn t A (fun s => \sum_(k < m) Bk k s) = \sum_(k < m) convn t A (Bk k).
Proof.
elim: t A Bk => [|t0 t IH] A Bk /=; first by rewrite big_distrr.
rewrite [RHS]exchange_big /=; apply: eq_bigr => i _.
exact: (IH _ (fun k => slice (Bk k) (t0 - i)%N)).
Qed.

Lemma convn_rev (t0 : nat) t A B :
  convn (t0 :: t) A B = \sum_(i < t0.+1) convn t (slice A (t0 - i)%N) (slice B i).
Proof.
rewrite /= (reindex_inj rev_ord_inj) /=.
by apply: eq_bigr => i _; rewrite subKn // -ltnS.
Qed.

(* D-dimensional convolution is associative. *)
Theorem convnA t A B C : convn t A (convD B C) = convn t (convD A B) C.
Proof.
elim: t A B C => [|t0 t IH] A B C; first by rewrite /= mulrA.
pose c j q k := convn t (convD (slice A j) (slice B q)) (slice C k).
transitivity (\sum_(j < t0.+1) \sum_(k < (t0 - j).+1) c j (t0 - j - k)%N k).
  rewrite /=; apply: eq_bigr => j _.
  transitivity (convn t (slice A j)
    (fun s => \sum_(k < (t0 - j).+1) convD (slice B (t0 - j - k)%N) (slice C k) s)).
    by apply: eq_convn => // s _; rewrite /slice /convD convn_rev.
  rewrite (@convn_sumr t (t0 - j).+1 (slice A j) (fun k => convD (slice B (t0 - j - k)%N) (slice C k))).
  by apply: eq_bigr => k _; rewrite IH.
rewrite sum_triangle convn_rev; apply: eq_bigr => k _.
transitivity (convn t (fun s => \sum_(j < (t0 - k).+1)
                convD (slice A j) (slice B (t0 - k - j)%N) s) (slice C k)).
  by rewrite (@convn_suml t (t0 - k).+1 (fun j => convD (slice A j) (slice B (t0 - k - j)%N)) (slice C k)).
by apply: eq_convn.
Qed.

(* ----------------------------------------------------- dilation lemma *)

Lemma slice_dilaten d K x :
  slice (dilaten d K) x =1 if d %| x then dilaten d (slice K (x %/ d)) else (fun _ => 0).
Proof. by move=> j; rewrite /slice /dilaten /=; case: (d %| x). Qed.

(* Dilation lemma, D-dimensional: K *_d F = dilate(K, d) * F. *)
Theorem dconvn_dilate d t K F : (0 < d)%N -> dconvn d t K F = convn t (dilaten d K) F.
Proof.
move=> d_gt0; elim: t K F => [|t0 t IH] K F /=; first by rewrite /dilaten /=.
rewrite [in RHS](eq_bigr (fun s : 'I_t0.+1 => if d %| s then
           convn t (dilaten d (slice K (s %/ d))) (slice F (t0 - d * (s %/ d))%N) else 0)).
  rewrite (@sum_dilate R d t0 (fun i => convn t (dilaten d (slice K i)) (slice F (t0 - d * i)%N))) //.
  by apply: eq_bigr => i _; rewrite IH.
move=> s _; transitivity (convn t (if d %| s then dilaten d (slice K (s %/ d)) else (fun _ => 0))
                            (slice F (t0 - s)%N)).
  by apply: eq_convn => // u _; rewrite slice_dilaten.
by case: ifP => [dvd|_]; rewrite ?convn0l // [(d * _)%N]mulnC divnK.
Qed.

(* dilate(K, d) = K (x) E_d on every axis. *)
Theorem dilaten_kron_selector d K : (0 < d)%N -> dilaten d K =1 kronn d K selectorn.
Proof.
move=> d_gt0 s; rewrite /dilaten /kronn /selectorn all_map.
have -> : all (fun x => d %| x) s = all (preim (modn^~ d) (fun x => x == 0%N)) s.
  by apply: eq_all => x; rewrite /dvdn.
by case: all; rewrite ?mulr1 ?mulr0.
Qed.

(* ---------------------------------------------------- Kronecker lemma *)

Lemma slice_extent D n B x : has_extentn D.+1 n B -> has_extentn D n (slice B x).
Proof. by move=> hB j hj hn; apply: hB; rewrite /= ?hj ?hn ?orbT. Qed.

Lemma dconvn_kron n t A B : (0 < n)%N -> has_extentn (size t) n B -> dconvn n t A B = kronn n A B t.
Proof.
move=> n_gt0; elim: t A B => [|t0 t IH] A B hB //=.
rewrite (eq_bigr (fun i : 'I_t0.+1 => kronn n (slice A i) (slice B (t0 - n * i)%N) t)); last first.
  by move=> i _; rewrite IH //; apply: slice_extent.
rewrite (@sum_kron_single _ n t0 (fun i j => kronn n (slice A i) (slice B j) t)) //.
by move=> i j le; rewrite /kronn /slice hB ?mulr0 //= ?size_map ?le.
Qed.

(* Kronecker lemma, D-dimensional: if B has extent n on every axis,
   dilate(A, n) * B = A (x) B. *)
Theorem convn_dilate_kron n t A B : (0 < n)%N -> has_extentn (size t) n B ->
  convn t (dilaten n A) B = kronn n A B t.
Proof. by move=> n_gt0 hB; rewrite -dconvn_dilate // dconvn_kron. Qed.

(* ------------------------------------------------------------- extents *)

Lemma selectorn_extent D : has_extentn D 1 selectorn.
Proof.
move=> s _ /hasP[x xs lex]; rewrite /selectorn; case: allP => // /(_ x xs) /eqP x0.
by rewrite x0 in lex.
Qed.

Lemma kronn_extent D n m A B : (0 < n)%N -> has_extentn D m A -> has_extentn D (m * n) (kronn n A B).
Proof.
move=> n_gt0 hA s hs /hasP[x xs lex]; rewrite /kronn hA ?mul0r ?size_map //.
apply/hasP; exists (x %/ n); first exact: (map_f (divn^~ n) xs).
by rewrite leq_divRL // mulnC.
Qed.

(* A kernel of extent m per axis dilated by d has extent d (m - 1) + 1 per axis. *)
Theorem dilaten_extent D d m K : (0 < d)%N -> (0 < m)%N -> has_extentn D m K ->
  has_extentn D (d * m.-1).+1 (dilaten d K).
Proof.
move=> d_gt0 m_gt0 hK s hs /hasP[x xs lex]; rewrite /dilaten; case: allP => // dvd.
rewrite hK ?size_map //; apply/hasP; exists (x %/ d); first exact: (map_f (divn^~ d) xs).
have /dvdnP[q eq_x] := dvd x xs; rewrite eq_x mulnK //.
have: (d * m.-1 < d * q)%N by rewrite [(d * q)%N]mulnC -eq_x.
by rewrite ltn_pmul2l // -(prednK m_gt0).
Qed.

(* --------------------------------------------------- cascade theorem *)

(* E is the unit of convolution. *)
Lemma convn_selectorn t F : convn t selectorn F = F t.
Proof.
elim: t F => [|t0 t IH] F /=; first by rewrite /selectorn /= mul1r.
rewrite big_ord_recl big1 ?addr0.
  rewrite subn0 -[RHS](IH (slice F t0)); apply: eq_convn => s _ //.
move=> i _; rewrite -(convn0l t (slice F (t0 - bump 0 i)%N)); apply: eq_convn => s _ //.
Qed.

Fixpoint cascaden (dil : nat -> nat) L (K : nat -> arr) F : arr :=
  if L is L'.+1 then fun t => dconvn (dil L') t (K L') (cascaden dil L' K F) else F.

Fixpoint kron_kerneln (ext : nat -> nat) L (K : nat -> arr) : arr :=
  if L is L'.+1 then kronn (ext L') (K L') (kron_kerneln ext L' K) else selectorn.

Lemma eq_dconvn d t K1 K2 F1 F2 :
  (forall s, size s = size t -> K1 s = K2 s) -> (forall s, size s = size t -> F1 s = F2 s) ->
  dconvn d t K1 F1 = dconvn d t K2 F2.
Proof.
elim: t K1 K2 F1 F2 => [|t0 t IH] K1 K2 F1 F2 eK eF /=; first by rewrite eK // eF.
by apply: eq_bigr => i _; apply: IH => s hs; [apply: eK | apply: eF]; rewrite /= hs.
Qed.

(* K_(L-1) (x) ... (x) K_0 has extent a^L per axis when each K_l has extent a. *)
Theorem kron_kerneln_extent a D L (K : nat -> arr) : (0 < a)%N ->
  (forall l, (l < L)%N -> has_extentn D a (K l)) ->
  has_extentn D (a ^ L) (kron_kerneln (expn a) L K).
Proof.
move=> a_gt0; elim: L => [|L IH] hK /=; first exact: selectorn_extent.
rewrite expnS; apply: kronn_extent; first by rewrite expn_gt0 a_gt0.
by apply: hK.
Qed.

(* Cascade theorem, D dimensions (every D >= 1, every L, every a >= 1): if
   K_0, ..., K_(L-1) have extent a on every axis, the cascade
   F_(l+1) = K_l *_(a^l) F_l satisfies F_L = (K_(L-1) (x) ... (x) K_0) * F_0
   at every index t of size D. *)
Theorem cascaden_kron a D L (K : nat -> arr) F t : (0 < a)%N ->
  (forall l, (l < L)%N -> has_extentn D a (K l)) -> size t = D ->
  cascaden (expn a) L K F t = convn t (kron_kerneln (expn a) L K) F.
Proof.
move=> a_gt0; elim: L t => [|L IH] t hK hsz /=; first by rewrite convn_selectorn.
have aL_gt0 : (0 < a ^ L)%N by rewrite expn_gt0 a_gt0.
rewrite dconvn_dilate //.
rewrite (@eq_convn t _ (dilaten (a ^ L) (K L)) _ (convD (kron_kerneln (expn a) L K) F)) //; last first.
  by move=> s hs; apply: IH => [l lt|]; [apply: hK; apply: ltnW | rewrite hs].
rewrite convnA; apply: eq_convn => // s hs.
rewrite /convD convn_dilate_kron // hs hsz.
by apply: kron_kerneln_extent => // l lt; apply: hK; apply: ltnW.
Qed.

End Multi.
