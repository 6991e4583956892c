(* QTT unfoldings of the multi-channel composed kernel (1-D). *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg matrix mxalgebra.
From Kronconv Require Import Signal Multi Channels.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Split.
Variable R : ringType.
Local Notation arr := (seq nat -> R).
Variables (C : nat -> nat) (a : nat).
Implicit Types (W : nat -> nat -> nat -> arr).

Lemma split_digits m n x y : (0 < a)%N -> (x < a ^ m)%N ->
  ((x + a ^ m * y) %/ a ^ (m + n) = y %/ a ^ n)%N /\
  ((x + a ^ m * y) %% a ^ (m + n) = x + a ^ m * (y %% a ^ n))%N.
Proof.
move=> a_gt0 hx; have an_gt0 : (0 < a ^ n)%N by rewrite expn_gt0 a_gt0.
have amn_gt0 : (0 < a ^ (m + n))%N by rewrite expn_gt0 a_gt0.
have e : (x + a ^ m * y = y %/ a ^ n * a ^ (m + n) + (x + a ^ m * (y %% a ^ n)))%N.
  rewrite {1}(divn_eq y (a ^ n)) mulnDr expnD addnCA; congr (_ + _)%N.
  by rewrite mulnCA.
have lt : (x + a ^ m * (y %% a ^ n) < a ^ (m + n))%N.
  have : (y %% a ^ n <= (a ^ n).-1)%N by rewrite -ltnS prednK // ltn_pmod.
  move=> h; apply: (@leq_trans (a ^ m + a ^ m * (a ^ n).-1)).
    by rewrite -addSn leq_add // leq_mul2l h orbT.
  by rewrite -{1}(muln1 (a ^ m)) -mulnDr add1n prednK // expnD.
by rewrite e divnMDl // modnMDl (divn_small lt) addn0 (modn_small lt).
Qed.


(* The layers m, m+1, ... of a cascade, as a cascade of their own. *)
Definition upper_channels m : nat -> nat := fun l => C (m + l)%N.
Definition upper_weights m W : nat -> nat -> nat -> arr := fun l => W (m + l)%N.

(* K_(m+n)[o, i][x + a^m y] = sum_(c < C_m) K'_n[o, c][y] K_m[c, i][x]  (x < a^m, y < a^n),
   K' the composed kernel of layers m..m+n-1. *)
Lemma kron_channels_split W m n o i x y : (0 < a)%N -> (o < C (m + n))%N ->
  (x < a ^ m)%N -> (y < a ^ n)%N ->
  kron_channels C a (m + n) W o i [:: x + a ^ m * y]%N =
  \sum_(c < C m) kron_channels (upper_channels m) a n (upper_weights m W) o c [:: y]
                 * kron_channels C a m W c i [:: x].
Proof.
move=> a_gt0; elim: n o y => [|n IH] o y ho hx hy.
  move: hy ho; rewrite expn0 ltnS leqn0 addn0 => /eqP-> ho.
  rewrite muln0 addn0 (bigD1 (Ordinal ho)) //= eqxx /selectorn /= mul1r big1 ?addr0 //.
  move=> c ne; case: eqP => [eoc|_]; last by rewrite mul0r.
  by case/eqP: ne; apply: val_inj; rewrite /= eoc.
rewrite addnS /=; have [hdiv hmod] := split_digits n y a_gt0 hx.
rewrite /kronn /= hdiv hmod.
under eq_bigr => c _ do rewrite (IH c (y %% a ^ n)%N) ?ltn_pmod ?expn_gt0 ?a_gt0 //.
under [RHS]eq_bigr => c _ do rewrite mulr_suml.
rewrite exchange_big; apply: eq_bigr => c _; rewrite mulr_sumr.
by apply: eq_bigr => c' _; rewrite mulrA.
Qed.

End Split.

Section Unfolding.
Variable F : fieldType.
Local Notation arr := (seq nat -> F).
Implicit Types (C : nat -> nat) (W : nat -> nat -> nat -> arr) (K : arr).

(* The m-th QTT unfolding of a 1-D kernel K of extent a^(m+n):
   M_m[x, y] = K[x + a^m y], x < a^m (the m fastest digits), y < a^n. *)
Definition qtt_unfolding K a m n : 'M[F]_(a ^ m, a ^ n) :=
  \matrix_(x, y) K [:: x + a ^ m * y]%N.

(* A[x, c] = K_m[c, i][x]: the cascade of layers 0..m-1 from input channel i
   to the bond channel c < C_m. *)
Definition bond_left C a m W i : 'M[F]_(a ^ m, C m) :=
  \matrix_(x, c) kron_channels C a m W c i [:: (x : nat)].

(* B[c, y] = K'[o, c][y]: the cascade of layers m..m+n-1 from the bond channel c
   to output channel o. *)
Definition bond_right C a m n W o : 'M[F]_(C m, a ^ n) :=
  \matrix_(c, y) kron_channels (upper_channels C m) a n (upper_weights m W) o c [:: (y : nat)].

Lemma qtt_unfolding_bond_factor C a W m n o i : (0 < a)%N -> (o < C (m + n))%N ->
  qtt_unfolding (kron_channels C a (m + n) W o i) a m n = bond_left C a m W i *m bond_right C a m n W o.
Proof.
move=> a_gt0 ho; apply/matrixP=> x y; rewrite !mxE kron_channels_split //.
by apply: eq_bigr => c _; rewrite !mxE mulrC.
Qed.

(* Necessity of the QTT rank condition (1-D, every field F, every L, a >= 1,
   channel counts C_l, any weights W_l[o, c]): for the composed kernel
   K = kron_channels C a L W o i of an L-layer cascade with dilations a^l,
   and every cut 0 <= m <= L,
     rank (M_m) <= C_m,   M_m[x, y] = K[x + a^m y]  (x < a^m, y < a^(L-m)),
   as M_m = A B with A of size a^m x C_m and B of size C_m x a^(L-m). *)
Theorem qtt_unfolding_rank_le_channels C a L W o i m : (0 < a)%N -> (m <= L)%N -> (o < C L)%N ->
  (\rank (qtt_unfolding (kron_channels C a L W o i) a m (L - m)) <= C m)%N.
Proof.
move=> a_gt0 hm ho; have := @qtt_unfolding_bond_factor C a W m (L - m) o i a_gt0.
rewrite subnKC // => -> //; exact: leq_trans (mxrankM_maxl _ _) (rank_leq_col _).
Qed.

(* The same with C channels between layers (C_l = C for 0 < l < L): every QTT
   unfolding M_m, 0 < m < L, has rank <= C. *)
Theorem qtt_unfolding_rank_le_uniform Cs c a L W o i m : (0 < a)%N ->
  (forall l, (0 < l < L)%N -> Cs l = c) -> (0 < m < L)%N -> (o < Cs L)%N ->
  (\rank (qtt_unfolding (kron_channels Cs a L W o i) a m (L - m)) <= c)%N.
Proof.
move=> a_gt0 hC hm ho; rewrite -(hC m hm).
by apply: qtt_unfolding_rank_le_channels => //; case/andP: hm => _ /ltnW.
Qed.

End Unfolding.
