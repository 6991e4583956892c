(* The QTT rank condition for the multi-channel composed kernel (1-D).
   The composed kernel K = kron_channels C a L W o i of Channels.v (the kernel of
   the cascade F_(l+1)[o] = sum_c W_l[o, c] *_(a^l) F_l[c], cascade_ch_kron) is, at
   t = sum_l q_l a^l (q_l the base-a digits of t, layer 0 the fastest digit),
     K[t] = sum over channel paths c_1..c_(L-1) of prod_l W_l[c_(l+1), c_l][q_l],
   with c_0 = i, c_L = o, for t < a^L: level l reads (t mod a^(l+1)) / a^l = q_l;
   the proofs use this through kron_channels_split, not through a separate digit lemma.
   Its QTT unfoldings are the matrices M_m[x, y] = K[x + a^m y], x < a^m, y < a^(L-m).
   - Necessity: M_m = A B, A the kernel of layers 0..m-1 ending in bond channel c,
     B that of layers m..L-1 starting from c, so rank M_m <= C_m
     (qtt_unfolding_rank_le_channels, qtt_unfolding_rank_le_uniform); the same for any K
     that the cascade convolves with, for every input (qtt_cascade_rank_le_channels).
   - Sufficiency for L = 2: a rank-c factorisation of M_1 (mulmx_ebase) gives the
     weights of a two-layer cascade with c channels (qtt_rank_le_two_layer_cascade), whose
     cascade is the convolution with K (qtt_rank_le_two_layer_cascade_conv).
   1-D is enough for the statement: in D dimensions a level-l digit is a D-tuple and
   the same split applies; that is not formalised here. *)
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

Lemma convn0r t A : convn t A (fun _ => 0) = 0 :> F.
Proof.
elim: t A => [|t0 t IH] A /=; first by rewrite mulr0.
by rewrite big1 // => j _; apply: IH.
Qed.

Lemma convn_selectornr_1d A t : convn [:: t] A (selectorn F) = A [:: t].
Proof.
rewrite /= big_ord_recr /= subnn /selectorn /= mulr1 big1 ?add0r // => j _.
by rewrite /slice /= subn_eq0 leqNgt ltn_ord /= mulr0.
Qed.

(* The kernel of a cascade is determined by its input-output map: if the cascade from
   input channel i to output channel o is the convolution with K for every input,
   then K is the composed kernel kron_channels C a L W o i on every index. *)
Lemma cascade_kernel_unique C a L W K o i : (0 < a)%N ->
  (forall l o c, (l < L)%N -> has_extentn 1 a (W l o c)) -> (i < C 0)%N -> (o < C L)%N ->
  (forall (F0 : nat -> arr) t, cascade_ch C a L W F0 o [:: t] = convn [:: t] K (F0 i)) ->
  forall t, K [:: t] = kron_channels C a L W o i [:: t].
Proof.
move=> a_gt0 hW hi ho hK t.
pose F0 : nat -> arr := fun j => if j == i then selectorn F else (fun _ => 0).
have := hK F0 t; rewrite /F0 eqxx convn_selectornr_1d => <-.
rewrite (@cascade_ch_kron _ _ _ 1) // (bigD1 (Ordinal hi)) // -[nat_of_ord (Ordinal hi)]/i.
rewrite eqxx convn_selectornr_1d big1; first exact: addr0.
move=> j ne; case: eqP => [eji|_]; last exact: convn0r.
by case/eqP: ne; apply: val_inj.
Qed.

(* Necessity, for the cascade itself (1-D, every field F, a >= 1): if the L-layer
   cascade with channel counts C_l and weights W_l[o, c] of extent a maps input
   channel i to output channel o as the convolution with a kernel K, for every input,
   then every QTT unfolding of K has rank at most the bond channel count:
     (forall F_0, F_L[o] = K * F_0[i])  ==>  rank M_m <= C_m   (0 <= m <= L). *)
Theorem qtt_cascade_rank_le_channels C a L W K o i m : (0 < a)%N ->
  (forall l o c, (l < L)%N -> has_extentn 1 a (W l o c)) -> (i < C 0)%N -> (o < C L)%N ->
  (forall (F0 : nat -> arr) t, cascade_ch C a L W F0 o [:: t] = convn [:: t] K (F0 i)) ->
  (m <= L)%N -> (\rank (qtt_unfolding K a m (L - m)) <= C m)%N.
Proof.
move=> a_gt0 hW hi ho hK hm.
have -> : qtt_unfolding K a m (L - m) = qtt_unfolding (kron_channels C a L W o i) a m (L - m).
  by apply/matrixP=> x y; rewrite !mxE (cascade_kernel_unique a_gt0 hW hi ho hK).
exact: qtt_unfolding_rank_le_channels.
Qed.

End Unfolding.

Section Sufficiency2.
Variable F : fieldType.
Local Notation arr := (seq nat -> F).

(* M[i, j] for natural-number indices, 0 outside the matrix. *)
Definition mx_at m n (M : 'M[F]_(m, n)) (i j : nat) : F :=
  if insub i is Some i' then (if insub j is Some j' then M i' j' else 0) else 0.

Lemma mx_atE m n (M : 'M[F]_(m, n)) (i : 'I_m) (j : 'I_n) : mx_at M i j = M i j.
Proof. by rewrite /mx_at !valK. Qed.

Lemma mx_at_row_out m n (M : 'M[F]_(m, n)) i j : (m <= i)%N -> mx_at M i j = 0.
Proof. by move=> hi; rewrite /mx_at insubN // -leqNgt. Qed.

Lemma mx_at_col_out m n (M : 'M[F]_(m, n)) i j : (n <= j)%N -> mx_at M i j = 0.
Proof.
move=> hj; rewrite /mx_at; case: insub => // i'.
by rewrite (@insubN _ (fun k => k < n)%N) // -leqNgt.
Qed.

(* Channel counts of a two-layer cascade with c channels between its layers. *)
Definition two_layer_channels c : nat -> nat := fun l => if l == 1%N then c else 1%N.

(* Layer 0 from the input to bond channel o: A[q, o]; layer 1 from bond channel c' to the output: B[c', q]. *)
Definition two_layer_weights a c (A : 'M[F]_(a ^ 1, c)) (B : 'M[F]_(c, a ^ 1)) :
    nat -> nat -> nat -> arr :=
  fun l o c' s => if s is [:: q] then (if l == 0%N then mx_at A q o else mx_at B c' q) else 0.

Lemma rank_le_factor m n c (M : 'M[F]_(m, n)) : (\rank M <= c)%N ->
  M = (col_ebase M *m (pid_mx (\rank M) : 'M_(m, c))) *m ((pid_mx (\rank M) : 'M_(c, n)) *m row_ebase M).
Proof.
move=> hr; rewrite mulmxA -[_ *m pid_mx _ *m pid_mx _]mulmxA mul_pid_mx minnn.
by rewrite (minn_idPr hr) mulmx_ebase.
Qed.

Lemma two_layer_weights_extent a c A B l o c' : has_extentn 1 a (@two_layer_weights a c A B l o c').
Proof.
case=> [|q [|//]] //= _; rewrite orbF => hq.
by case: eqP => _; [apply: mx_at_row_out | apply: mx_at_col_out]; rewrite expn1.
Qed.

Lemma two_layer_kernel a c A B t : (t < a ^ 2)%N ->
  kron_channels (two_layer_channels c) a 2 (@two_layer_weights a c A B) 0 0 [:: t] =
  mx_at (A *m B) (t %% a) (t %/ a).
Proof.
move=> ht; have a_gt0 : (0 < a)%N.
  by move: ht; rewrite lt0n; case: eqP => // ->; rewrite exp0n.
have hx : (t %% a < a ^ 1)%N by rewrite expn1 ltn_pmod.
have hy : (t %/ a < a ^ 1)%N by rewrite expn1 ltn_divLR // -expn2 //.
rewrite /= /kronn /= !expn0 !divn1 !modn1.
have [-> ->] : (t %/ a ^ 1 = t %/ a)%N /\ (t %% a ^ 1 = t %% a)%N by rewrite expn1.
rewrite -[(t %% a)%N]/(val (Ordinal hx)) -[(t %/ a)%N]/(val (Ordinal hy)) mx_atE mxE /=.
rewrite /two_layer_channels /=; apply: eq_bigr => j _.
rewrite big_ord_recl big_ord0 addr0 /selectorn /= mulr1 mulrC.
by rewrite -[(t %% a)%N]/(val (Ordinal hx)) -[(t %/ a)%N]/(val (Ordinal hy)) !mx_atE.
Qed.

(* Sufficiency for L = 2 (1-D, every field F, every a and c): if the QTT unfolding
   M_1[x, y] = K[x + a y] (a x a) of a kernel K has rank <= c, then K is, on 0..a^2-1,
   the composed kernel of a two-layer cascade with c channels between its layers,
   1 input and 1 output channel, and weights of extent a:
     rank M_1 <= c  ==>  exists W, K[t] = sum_(c' < c) W_1[0, c'][t / a] W_0[c', 0][t mod a]. *)
Theorem qtt_rank_le_two_layer_cascade (K : arr) a c : (\rank (qtt_unfolding K a 1 1) <= c)%N ->
  exists W, (forall l o c', has_extentn 1 a (W l o c')) /\
    forall t, (t < a ^ 2)%N -> kron_channels (two_layer_channels c) a 2 W 0 0 [:: t] = K [:: t].
Proof.
move=> hr; set M := qtt_unfolding K a 1 1.
exists (@two_layer_weights a c (col_ebase M *m pid_mx (\rank M)) (pid_mx (\rank M) *m row_ebase M)).
split=> [l o c'|t ht]; first exact: two_layer_weights_extent.
rewrite two_layer_kernel // -(rank_le_factor hr).
have a_gt0 : (0 < a)%N by move: ht; rewrite lt0n; case: eqP => // ->; rewrite exp0n.
have hx : (t %% a < a ^ 1)%N by rewrite expn1 ltn_pmod.
have hy : (t %/ a < a ^ 1)%N by rewrite expn1 ltn_divLR // -expn2 //.
rewrite -[(t %% a)%N]/(val (Ordinal hx)) -[(t %/ a)%N]/(val (Ordinal hy)) mx_atE mxE /=.
by rewrite expn1 mulnC addnC -divn_eq.
Qed.

(* Sufficiency for L = 2, for the cascade itself (1-D, every field F, a >= 1, every c):
   if K has extent a^2 and rank M_1 <= c, there are weights of extent a for which the
   two-layer cascade with c channels between its layers (1 input, 1 output channel)
   is the convolution with K, for every input signal:
     rank M_1 <= c  ==>  exists W, forall F_0 t, F_2[0][t] = (K * F_0[0])[t]. *)
Theorem qtt_rank_le_two_layer_cascade_conv (K : arr) a c : (0 < a)%N -> has_extentn 1 (a ^ 2) K ->
  (\rank (qtt_unfolding K a 1 1) <= c)%N ->
  exists W, forall (F0 : nat -> arr) t,
    cascade_ch (two_layer_channels c) a 2 W F0 0 [:: t] = convn [:: t] K (F0 0%N).
Proof.
move=> a_gt0 hKext hr; have [W [hW hK]] := qtt_rank_le_two_layer_cascade hr.
exists W => F0 t; rewrite (@cascade_ch_kron _ _ _ 1) //.
rewrite big_ord_recl big_ord0 addr0.
apply: eq_convn => // -[|u [|//]] // _.
have [hu|hu] := ltnP u (a ^ 2); first exact: hK.
have hKW :=
  @kron_channels_extent F (two_layer_channels c) a 1 2 W a_gt0 (fun l o c' _ => hW l o c').
by rewrite hKext ?hKW //= hu.
Qed.

End Sufficiency2.
