(* The multi-channel cascade theorem, D dimensions: a cascade of dilated
   multi-channel convolutions is one multi-channel convolution whose kernel
   from input channel i to output channel o is the sum over channel paths of
   Kronecker products (kronconv.kron.kron_channels):
     W[o, i] = sum_(c_1, ..., c_(L-1)) W_(L-1)[o, c_(L-1)] (x) ... (x) W_0[c_1, i]. *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.
From Kronconv Require Import Signal Multi.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Channels.

Variable R : ringType.
Local Notation arr := (seq nat -> R).

(* C l channels enter layer l (C 0 input channels, C L output channels);
   W l o c is the kernel of layer l from channel c to channel o. *)
Variables (C : nat -> nat) (a : nat).
Implicit Types (W : nat -> nat -> nat -> arr) (F : nat -> arr) (L o i : nat) (t : seq nat).

(* F_(l+1)[o] = sum_(c < C l) W_l[o, c] *_(a^l) F_l[c]. *)
Fixpoint cascade_ch L W F : nat -> arr :=
  if L is L'.+1 then fun o t => \sum_(c < C L') dconvn (a ^ L') t (W L' o c) (cascade_ch L' W F c)
  else F.

(* W[o, i] for L layers: the identity for L = 0, then
   W_(L+1)[o, i] = sum_(c < C L) W_L[o, c] (x) W_(L)[c, i] (numpy.kron on every axis). *)
Fixpoint kron_channels L W : nat -> nat -> arr :=
  if L is L'.+1 then fun o i s => \sum_(c < C L') kronn (a ^ L') (W L' o c) (kron_channels L' W c i) s
  else fun o i => if o == i then selectorn R else (fun _ => 0).

Lemma kron_channels_extent D L W : (0 < a)%N ->
  (forall l o c, (l < L)%N -> has_extentn D a (W l o c)) ->
  forall o i, has_extentn D (a ^ L) (kron_channels L W o i).
Proof.
move=> a_gt0; elim: L => [|L IH] hW o i /=.
  by case: eqP => _; [apply: selectorn_extent | by []].
move=> s hs hn; rewrite big1 // => c _.
apply: (@kronn_extent R D (a ^ L) a _ _ _ _ s hs); first by rewrite expn_gt0 a_gt0.
  exact: hW.
by rewrite -expnS.
Qed.

(* Multi-channel cascade theorem (every D, every L, a >= 1): if every kernel
   W_l[o, c] has extent a on every axis, then for every output channel o < C L
   and every index t of size D,
     F_L[o][t] = sum_(i < C 0) (W[o, i] * F_0[i])[t]. *)
Theorem cascade_ch_kron D L W F o t : (0 < a)%N ->
  (forall l o c, (l < L)%N -> has_extentn D a (W l o c)) -> (o < C L)%N -> size t = D ->
  cascade_ch L W F o t = \sum_(i < C 0) convn t (kron_channels L W o i) (F i).
Proof.
move=> a_gt0; elim: L o t => [|L IH] o t hW ho hsz /=.
  rewrite (bigD1 (Ordinal ho)) //= eqxx convn_selectorn big1 ?addr0 // => i ne.
  rewrite (@eq_convn _ t _ (fun _ => 0) _ (F i)) ?convn0l //.
  by move=> s _; case: eqP => // eo; case/eqP: ne; apply: val_inj.
have hW' : forall l o c, (l < L)%N -> has_extentn D a (W l o c).
  by move=> l o' c lt; apply: hW; apply: ltnW.
have aL_gt0 : (0 < a ^ L)%N by rewrite expn_gt0 a_gt0.
transitivity (\sum_(c < C L) \sum_(i < C 0)
                convn t (kronn (a ^ L) (W L o c) (kron_channels L W c i)) (F i)).
  apply: eq_bigr => c _; rewrite dconvn_dilate //.
  rewrite (@eq_convn _ t _ (dilaten (a ^ L) (W L o c)) _
             (fun s => \sum_(i < C 0) convD (kron_channels L W c i) (F i) s)) //; last first.
    by move=> s hs; rewrite IH // hs.
  rewrite (@convn_sumr _ t (C 0) _ (fun i => convD (kron_channels L W c i) (F i))).
  apply: eq_bigr => i _; rewrite convnA; apply: eq_convn => // s hs.
  by rewrite /convD convn_dilate_kron // hs hsz; apply: kron_channels_extent.
rewrite exchange_big; apply: eq_bigr => i _.
rewrite -(@convn_suml _ t (C L) (fun c => kronn (a ^ L) (W L o c) (kron_channels L W c i)) (F i)).
by [].
Qed.

End Channels.
