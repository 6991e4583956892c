(* Computable twins of the definitions, proved equal to them.

   mathcomp's big operators are sealed behind a module signature, so
   `vm_compute` cannot unfold `\sum`.  Each operation whose definition uses a
   big sum gets a twin written with a plain recursive sum, and a lemma proves
   the twin pointwise equal to the definition the theorems are about.  The
   Python tie test (tests/test_coq_tie.py) evaluates the twins over mathcomp's
   integers and compares every entry with numpy.kron and kronconv's cascade.
   Definitions without a big sum (dilate, kron, selector, kron_kernel) are
   computed as they are. *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg.
From Kronconv Require Import Signal Cascade.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Import GRing.Theory.
Local Open Scope ring_scope.

Section Twins.

Variable R : ringType.
Implicit Types (A B F : nat -> R) (K : nat -> nat -> R).

(* sum_upto n f = f 0 + ... + f (n - 1), by structural recursion. *)
Fixpoint sum_upto n (f : nat -> R) : R := if n is n'.+1 then sum_upto n' f + f n' else 0.

Lemma sum_uptoE n f : sum_upto n f = \sum_(i < n) f i.
Proof. by elim: n => [|n IH] /=; rewrite ?big_ord0 // big_ord_recr IH. Qed.

Definition conv_c A B t := sum_upto t.+1 (fun i => A i * B (t - i)%N).

Lemma conv_cE A B : conv_c A B =1 conv A B.
Proof. by move=> t; rewrite /conv_c sum_uptoE. Qed.

Definition dconv_c d A B t :=
  sum_upto t.+1 (fun i => if (d * i <= t)%N then A i * B (t - d * i)%N else 0).

Lemma dconv_cE d A B : dconv_c d A B =1 dconv d A B.
Proof. by move=> t; rewrite /dconv_c sum_uptoE /dconv [RHS]big_mkcond. Qed.

Fixpoint cascade_c (d : nat -> nat) L K F : nat -> R :=
  if L is L'.+1 then dconv_c (d L') (K L') (cascade_c d L' K F) else F.

Lemma cascade_cE d L K F : cascade_c d L K F =1 cascade d L K F.
Proof.
elim: L => //= L IH t; rewrite dconv_cE.
by apply: eq_bigr => i _; rewrite IH.
Qed.

End Twins.

(* Entries 0 .. n - 1 of a signal, as a list (what the tie test prints). *)
Definition entries (R : Type) (n : nat) (A : nat -> R) : seq R := map A (iota 0 n).

(* An array given by the list of its entries (extent = size of the list). *)
Definition of_seq (R : ringType) (s : seq R) : nat -> R := fun i => nth 0 s i.

Lemma of_seq_extent (R : ringType) (s : seq R) : has_extent (size s) (of_seq s).
Proof. by move=> i le; rewrite /of_seq nth_default. Qed.
