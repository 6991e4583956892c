(* Receptive fields of a stack of dilated layers, over the naturals.

   With kernel k and dilation d_l at layer l (stride 1), the receptive field
   after L layers is r(L) = 1 + sum_(l < L) (k - 1) d_l (kronconv.formulas:
   r_0 = 1, r_(l+1) = r_l + (k - 1) d_l, the extent of the composed kernel). *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Definition rf (k : nat) (d : nat -> nat) (L : nat) : nat := 1 + \sum_(l < L) (k - 1) * d l.

Lemma rfS k d L : rf k d L.+1 = rf k d L + (k - 1) * d L.
Proof. by rewrite /rf big_ord_recr addnA. Qed.

(* (b - 1)(1 + b + ... + b^(L-1)) = b^L - 1. *)
Lemma geometric_sum b L : 0 < b -> (b - 1) * (\sum_(l < L) b ^ l) = b ^ L - 1.
Proof.
move=> b_gt0; elim: L => [|L IH]; first by rewrite big_ord0 muln0 expn0 subnn.
have bL : 0 < b ^ L by rewrite expn_gt0 b_gt0.
rewrite big_ord_recr mulnDr IH expnS mulnBl mul1n [b * _]mulnC.
by rewrite addnBAC // subnKC // leq_pmulr.
Qed.

(* Receptive-field closed form for geometric dilations b^l with kernel k:
     (b - 1)(r(L) - 1) = (k - 1)(b^L - 1). *)
Theorem rf_geometric k b L : 0 < b -> (b - 1) * (rf k (expn b) L - 1) = (k - 1) * (b ^ L - 1).
Proof.
by move=> b_gt0; rewrite /rf add1n subSS subn0 -big_distrr /= mulnCA geometric_sum.
Qed.

(* A plain stack (every dilation 1) of L layers of kernel k has receptive field
   1 + L (k - 1): after layer l (from 0) the field is l (k - 1) + k. *)
Theorem rf_plain k L : rf k (fun _ => 1) L = 1 + L * (k - 1).
Proof.
rewrite /rf (eq_bigr (fun _ => k - 1)) => [|l _]; last by rewrite muln1.
by rewrite sum_nat_const card_ord.
Qed.

(* The Kronecker cascade (kernel a, dilations a^l) has receptive field a^L,
   the extent of K_(L-1) (x) ... (x) K_0. *)
Theorem rf_kronecker a L : 0 < a -> rf a (expn a) L = a ^ L.
Proof.
move=> a_gt0; have aL : 0 < a ^ L by rewrite expn_gt0 a_gt0.
have r1 : 0 < rf a (expn a) L by rewrite /rf add1n.
case: (ltngtP a 1) => [|a_gt1|a1]; first by rewrite ltnS leqn0 => /eqP a0; rewrite a0 in a_gt0.
  have /eqP := rf_geometric a L a_gt0; rewrite eqn_pmul2l ?subn_gt0 // => /eqP e.
  by rewrite -(subnK r1) e subnK.
by rewrite a1 /rf exp1n big1 // => l _; rewrite subnn.
Qed.

(* ------------------------------------------------ layers for a target *)

Section LayersFor.

Variables (k b : nat) (k_gt1 : 1 < k) (b_gt0 : 0 < b).

Lemma rf_increasing L : rf k (expn b) L < rf k (expn b) L.+1.
Proof.
by rewrite rfS -[X in X < _]addn0 ltn_add2l muln_gt0 subn_gt0 k_gt1 expn_gt0 b_gt0.
Qed.

Lemma rf_monotone L1 L2 : L1 <= L2 -> rf k (expn b) L1 <= rf k (expn b) L2.
Proof.
move=> le12; rewrite -(subnK le12); elim: (L2 - L1) => // n IH.
by rewrite addSn (leq_trans IH) // ltnW // rf_increasing.
Qed.

Lemma rf_gt_layers L : L < rf k (expn b) L.
Proof. by elim: L => // L IH; rewrite (leq_ltn_trans IH) // rf_increasing. Qed.

Lemma exists_layers (R : nat) : exists L, R <= rf k (expn b) L.
Proof. by exists R; apply: ltnW; apply: rf_gt_layers. Qed.

(* The least number of layers whose receptive field reaches R. *)
Definition layers_for (R : nat) : nat := ex_minn (exists_layers R).

(* Layers-for-RF minimality: layers_for R layers reach R, and no fewer do:
     r(L) >= R  <->  L >= layers_for R. *)
Theorem layers_for_minimal R L : (R <= rf k (expn b) L) = (layers_for R <= L).
Proof.
rewrite /layers_for; case: ex_minnP => m hm minm; apply/idP/idP; first exact: minm.
by move=> le; apply: leq_trans hm (rf_monotone le).
Qed.

End LayersFor.

(* Centred origin: with a = 2r + 1 and taps tau = q - r (q in [0, a)), layer l
   shifts the output by -r a^l, so the cascade is the corner cascade shifted by
   -r (1 + a + ... + a^(L-1)) = -(a^L - 1)/2: the radius of the composed kernel
   of extent a^L.  The offset identity, 2 r sum_(l<L) a^l = a^L - 1: *)
Theorem centred_offset r L : 2 * (r * \sum_(l < L) (2 * r + 1) ^ l) = (2 * r + 1) ^ L - 1.
Proof. by rewrite mulnA -geometric_sum ?addn1 // subn1. Qed.
