(* "b <> a breaks the identity": with 3 x 3 kernels and Yu & Koltun's
   dilations 2^l (1, 2, 4) the cascade is NOT the Kronecker kernel
   (kronconv's certificate refuted-dilation-base-2).  The statement is about
   the definitions of Multi.v and Signal.v/Cascade.v; the proof evaluates
   their computable twins (Compute.v) on a concrete instance by vm_compute. *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop ssralg ssrint.
From Kronconv Require Import Signal Cascade Multi Compute.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

Local Open Scope ring_scope.

(* Every kernel is the 3 x 3 array of ones; the input is a unit impulse at the origin. *)
Definition ones3 : seq nat -> int := of_rows [:: [:: 1; 1; 1]; [:: 1; 1; 1]; [:: 1; 1; 1]].
Definition impulse2 : seq nat -> int := selectorn int_Ring.

(* Refutation, 2-D (L = 3, kernels 3 x 3, dilations 2^l): the cascade
   F_(l+1) = K_l *_(2^l) F_l differs from (K_2 (x) K_1 (x) K_0) * F_0 at
   t = (2, 0), where the cascade is 2 and the Kronecker side is 1. *)
Theorem cascade_base2_not_kron :
  ~ (forall (F : seq nat -> int) t, size t = 2%N ->
       cascaden (expn 2) 3 (fun _ => ones3) F t = convn t (kron_kerneln (expn 3) 3 (fun _ => ones3)) F).
Proof.
move=> h; have := h impulse2 [:: 2%N; 0%N] erefl.
rewrite -cascaden_cE -convn_cE => /eqP.
by vm_compute.
Qed.

Definition ones1 : nat -> int := of_seq [:: 1; 1; 1].

(* The same in 1-D (L = 2, kernels [1; 1; 1], dilations 2^l): at t = 2 the
   cascade is 2 and the Kronecker side is 1. *)
Theorem cascade_base2_not_kron_1d :
  ~ (forall F : nat -> int, cascade (expn 2) 2 (fun _ => ones1) F =1 conv (kron_kernel (expn 3) 2 (fun _ => ones1)) F).
Proof.
move=> h; have := h (selector int_Ring) 2%N.
rewrite -cascade_cE -conv_cE => /eqP.
by vm_compute.
Qed.

(* The values themselves, for the record (cascade 2, Kronecker side 1). *)
Lemma cascade_base2_values :
  (cascaden_c (expn 2) 3 (fun _ => ones3) impulse2 [:: 2%N; 0%N],
   convn_c [:: 2%N; 0%N] (kron_kerneln (expn 3) 3 (fun _ => ones3)) impulse2) = (2, 1).
Proof. by vm_compute. Qed.
