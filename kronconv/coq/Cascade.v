(* The cascade theorem in 1-D: a cascade of dilated convolutions whose
   dilations are the running products of the kernel extents (a^l for kernels
   of extent a) is one convolution with the Kronecker kernel
   K_(L-1) (x) ... (x) K_0 (numpy.kron's index map, kronconv.kron.kron_kernel). *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.
From Kronconv Require Import Signal.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Cascade.

Variable R : ringType.
Implicit Types (F G : nat -> R) (K : nat -> nat -> R) (d n ext : nat -> nat) (a L l : nat).

(* F_0 = F and F_(l+1) = K_l *_(d l) F_l; cascade d L K F = F_L. *)
Fixpoint cascade d L K F : nat -> R :=
  if L is L'.+1 then dconv (d L') (K L') (cascade d L' K F) else F.

(* C_0 = E_1 (the unit array [1]) and C_(l+1) = K_l (x) C_l, where n l is the
   extent of C_l; kron_kernel n L K = K_(L-1) (x) ... (x) K_0 (x) [1]. *)
Fixpoint kron_kernel n L K : nat -> R :=
  if L is L'.+1 then kron (n L') (K L') (kron_kernel n L' K) else selector R.

(* ------------------------------------------------------------ helpers *)

Lemma conv_selector F : conv (selector R) F =1 F.
Proof.
move=> t; rewrite /conv big_ord_recl /selector eqxx mul1r subn0 big1 ?addr0 //.
by move=> i _; rewrite mul0r.
Qed.

Lemma eq_dconv (d : nat) (K1 K2 F1 F2 : nat -> R) : K1 =1 K2 -> F1 =1 F2 -> dconv d K1 F1 =1 dconv d K2 F2.
Proof. by move=> eK eF t; apply: eq_bigr => i _; rewrite eK eF. Qed.

(* numpy.kron(K, [1]) = K: the unit array at the bottom of kron_kernel is harmless. *)
Lemma kron_kernel1 n K : n 0%N = 1%N -> kron_kernel n 1 K =1 K 0%N.
Proof. by move=> n0 s; rewrite /= /kron n0 divn1 modn1 /selector eqxx mulr1. Qed.

(* The composed kernel has extent ext_0 ... ext_(L-1). *)
Lemma kron_kernel_extent ext L K : (forall l, (l < L)%N -> has_extent (ext l) (K l)) ->
  (forall l, (l < L)%N -> 0 < ext l)%N ->
  has_extent ((\prod_(j < L) ext j)%N) (kron_kernel (fun l => (\prod_(j < l) ext j)%N) L K).
Proof.
elim: L => [|L IH] hK hpos /=; first by rewrite big_ord0; apply: selector_extent.
rewrite big_ord_recr /= mulnC; apply: kron_extent; last exact: hK.
by rewrite prodn_gt0 // => j; apply: hpos; apply: ltn_trans (ltn_ord j) _.
Qed.

(* ----------------------------------------------------- cascade theorem *)

(* Cascade theorem, mixed extents: if K_l has extent e_l >= 1 and layer l is
   dilated by d_l = e_0 e_1 ... e_(l-1), then
     F_L = (K_(L-1) (x) ... (x) K_0) * F_0,
   for every L and every signal F_0. *)
Theorem cascade_kron_prod ext L K F :
  (forall l, (l < L)%N -> has_extent (ext l) (K l)) ->
  (forall l, (l < L)%N -> 0 < ext l)%N ->
  let d := fun l => (\prod_(j < l) ext j)%N in
  cascade d L K F =1 conv (kron_kernel d L K) F.
Proof.
move=> hK hpos d; elim: L hK hpos => [|L IH] hK hpos /=.
  by move=> t; rewrite conv_selector.
have dL_gt0 : (0 < d L)%N.
  by rewrite prodn_gt0 // => j; apply: hpos; apply: ltn_trans (ltn_ord j) _.
move=> t; rewrite dconv_dilate //.
rewrite (eq_conv (frefl _) (IH (fun l lt => hK l (ltnW lt)) (fun l lt => hpos l (ltnW lt)))).
rewrite convA; apply: eq_conv => // s; apply: conv_dilate_kron => //.
by apply: kron_kernel_extent => l lt; [apply: hK | apply: hpos]; apply: ltnW.
Qed.

Lemma prod_const_expn a l : (\prod_(j < l) a)%N = (a ^ l)%N.
Proof. by rewrite prod_nat_const card_ord. Qed.

(* Cascade theorem (kronconv prove, 1-D): for every L >= 1 and a >= 1, if
   K_0, ..., K_(L-1) have extent a, the cascade F_(l+1) = K_l *_(a^l) F_l
   satisfies F_L = (K_(L-1) (x) ... (x) K_0) * F_0. *)
Theorem cascade_kron a L K F : (0 < a)%N ->
  (forall l, (l < L)%N -> has_extent a (K l)) ->
  cascade (expn a) L K F =1 conv (kron_kernel (expn a) L K) F.
Proof.
move=> a_gt0 hK t.
have ed : expn a =1 (fun l => (\prod_(j < l) a)%N) by move=> l; rewrite prod_const_expn.
have -> : cascade (expn a) L K F t = cascade (fun l => (\prod_(j < l) a)%N) L K F t.
  by elim: L hK t => //= L IH hK t; rewrite ed; apply: eq_dconv => // s; apply: IH => l lt; apply: hK; apply: ltnW.
rewrite (cascade_kron_prod (ext := fun _ => a)) // ; apply: eq_conv => // s.
by elim: L hK s => //= L IH hK s; rewrite ed /kron IH // => l lt; apply: hK; apply: ltnW.
Qed.

(* ... and the composed kernel has extent a^L. *)
Theorem kron_kernel_extent_expn a L K : (0 < a)%N ->
  (forall l, (l < L)%N -> has_extent a (K l)) ->
  has_extent (a ^ L) (kron_kernel (expn a) L K).
Proof.
move=> a_gt0 hK; elim: L hK => [|L IH] hK /=; first exact: selector_extent.
rewrite expnS; apply: kron_extent; first by rewrite expn_gt0 a_gt0.
exact: hK.
Qed.

End Cascade.
