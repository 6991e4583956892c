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
From Kronconv Require Import Signal Cascade Multi Channels Correlation.

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
Arguments sum_upto : simpl never.

Lemma sum_uptoE n f : sum_upto n f = \sum_(i < n) f i.
Proof. by elim: n => [|n IH]; rewrite ?big_ord0 // big_ord_recr -IH. Qed.

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

Local Notation arr := (seq nat -> R).

Fixpoint convn_c t (A B : arr) : R :=
  if t is t0 :: t' then sum_upto t0.+1 (fun i => convn_c t' (slice A i) (slice B (t0 - i)%N))
  else A [::] * B [::].

Lemma convn_cE t (A B : arr) : convn_c t A B = convn t A B.
Proof.
elim: t A B => [|t0 t IH] A B //=; rewrite sum_uptoE.
by apply: eq_bigr => i _; rewrite IH.
Qed.

Fixpoint dconvn_c d t (K F : arr) : R :=
  if t is t0 :: t' then
    sum_upto t0.+1 (fun i => if (d * i <= t0)%N then dconvn_c d t' (slice K i) (slice F (t0 - d * i)%N) else 0)
  else K [::] * F [::].

Lemma dconvn_cE d t (K F : arr) : dconvn_c d t K F = dconvn d t K F.
Proof.
elim: t K F => [|t0 t IH] K F //=; rewrite sum_uptoE [RHS]big_mkcond.
by apply: eq_bigr => i _; rewrite IH.
Qed.

Fixpoint cascaden_c (dil : nat -> nat) L (K : nat -> arr) (F : arr) : arr :=
  if L is L'.+1 then fun t => dconvn_c (dil L') t (K L') (cascaden_c dil L' K F) else F.

Lemma cascaden_cE dil L (K : nat -> arr) (F : arr) t : cascaden_c dil L K F t = cascaden dil L K F t.
Proof.
elim: L t => //= L IH t; rewrite dconvn_cE.
by apply: eq_dconvn => // s _; rewrite IH.
Qed.

Fixpoint corrn_c m t (K F : arr) : R :=
  if t is t0 :: t' then sum_upto m (fun i => corrn_c m t' (slice K i) (slice F (t0 + i)%N))
  else K [::] * F [::].

Lemma corrn_cE m t (K F : arr) : corrn_c m t K F = corrn m t K F.
Proof.
elim: t K F => [|t0 t IH] K F //=; rewrite sum_uptoE.
by apply: eq_bigr => i _; rewrite IH.
Qed.

Fixpoint dcorrn_c d m t (K F : arr) : R :=
  if t is t0 :: t' then sum_upto m (fun i => dcorrn_c d m t' (slice K i) (slice F (t0 + d * i)%N))
  else K [::] * F [::].

Lemma dcorrn_cE d m t (K F : arr) : dcorrn_c d m t K F = dcorrn d m t K F.
Proof.
elim: t K F => [|t0 t IH] K F //=; rewrite sum_uptoE.
by apply: eq_bigr => i _; rewrite IH.
Qed.

Fixpoint cascade_corr_c (dil : nat -> nat) m L (K : nat -> arr) (F : arr) : arr :=
  if L is L'.+1 then fun t => dcorrn_c (dil L') m t (K L') (cascade_corr_c dil m L' K F) else F.

Lemma cascade_corr_cE dil m L (K : nat -> arr) (F : arr) t :
  cascade_corr_c dil m L K F t = cascade_corr dil m L K F t.
Proof.
elim: L t => //= L IH t; rewrite dcorrn_cE.
by apply: eq_dcorrn => s _; rewrite IH.
Qed.

Section ChannelTwins.
Variables (C : nat -> nat) (a : nat).

Fixpoint kron_channels_c L (W : nat -> nat -> nat -> arr) : nat -> nat -> arr :=
  if L is L'.+1 then
    fun o i s => sum_upto (C L') (fun c => kronn (a ^ L') (W L' o c) (kron_channels_c L' W c i) s)
  else fun o i => if o == i then selectorn R else (fun _ => 0).

Lemma kron_channels_cE L (W : nat -> nat -> nat -> arr) o i (s : seq nat) : kron_channels_c L W o i s = kron_channels C a L W o i s.
Proof.
elim: L o i s => //= L IH o i s; rewrite sum_uptoE.
by apply: eq_bigr => c _; rewrite /kronn IH.
Qed.

Fixpoint cascade_ch_c L (W : nat -> nat -> nat -> arr) (F : nat -> arr) : nat -> arr :=
  if L is L'.+1 then
    fun o t => sum_upto (C L') (fun c => dconvn_c (a ^ L') t (W L' o c) (cascade_ch_c L' W F c))
  else F.

Lemma cascade_ch_cE L (W : nat -> nat -> nat -> arr) (F : nat -> arr) o (t : seq nat) : cascade_ch_c L W F o t = cascade_ch C a L W F o t.
Proof.
elim: L o t => //= L IH o t; rewrite sum_uptoE.
by apply: eq_bigr => c _; rewrite dconvn_cE; apply: eq_dconvn => // s _; rewrite IH.
Qed.

End ChannelTwins.

End Twins.

(* Entries 0 .. n - 1 of a signal, as a list (what the tie test prints). *)
Definition entries (R : Type) (n : nat) (A : nat -> R) : seq R := map A (iota 0 n).

(* An array given by the list of its entries (extent = size of the list). *)
Definition of_seq (R : ringType) (s : seq R) : nat -> R := fun i => nth 0 s i.

Lemma of_seq_extent (R : ringType) (s : seq R) : has_extent (size s) (of_seq s).
Proof. by move=> i le; rewrite /of_seq nth_default. Qed.

(* Entries of a 2-D array with indices below n0 x n1, row-major (numpy's ravel order). *)
Definition entries2 (R : Type) (n0 n1 : nat) (A : seq nat -> R) : seq R :=
  flatten [seq [seq A [:: i; j] | j <- iota 0 n1] | i <- iota 0 n0].

(* A 2-D array given by its rows. *)
Definition of_rows (R : ringType) (rows : seq (seq R)) : seq nat -> R :=
  fun s => if s is [:: i; j] then nth 0 (nth [::] rows i) j else 0.

(* A 1-D array in the index-list form of Multi.v, and its entries. *)
Definition entries1 (R : Type) (n : nat) (A : seq nat -> R) : seq R := [seq A [:: i] | i <- iota 0 n].

Definition of_list1 (R : ringType) (s : seq R) : seq nat -> R :=
  fun u => if u is [:: i] then nth 0 s i else 0.
