(* The hole-free bound: no hole-free chain of L layers of k-tap kernels
   reaches a receptive field above k^L.

   A chain with dilations d_1, ..., d_L (stride 1, taps 0..k-1) reaches the
   offsets of its sumset S = {0..k-1} d_1 + ... + {0..k-1} d_L, the image of
   the tap box [0, k)^L under ts |-> sum_i t_i d_i; its receptive field is
   rf = 1 + (k - 1)(d_1 + ... + d_L) (ReceptiveField.rf), and S lies in
   [0, rf - 1].  The chain is hole-free when every offset 0 .. rf - 1 is in S.
   Dilations are a list ds (kronconv's order, layer 0 first). *)
From mathcomp Require Import ssreflect ssrfun ssrbool eqtype ssrnat seq div.
From mathcomp Require Import fintype bigop.
From Kronconv Require Import ReceptiveField.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.

(* The tap box [0, k)^L: every list of L taps, each in [0, k). *)
Fixpoint box (k L : nat) : seq (seq nat) :=
  if L is L'.+1 then [seq t :: ts | t <- iota 0 k, ts <- box k L'] else [:: [::]].

Lemma size_box k L : size (box k L) = k ^ L.
Proof. by elim: L => [|L IH] //=; rewrite size_allpairs size_iota IH expnS. Qed.

Lemma mem_box k L ts : (ts \in box k L) = (size ts == L) && all (fun t => t < k) ts.
Proof.
elim: L ts => [|L IH] ts /=; first by case: ts => [|t ts]; rewrite inE.
apply/allpairsP/idP => [[[t ts'] /= [t_in ts'_in ->]]|].
  by move: t_in ts'_in; rewrite mem_iota add0n /= eqSS IH => -> /andP[-> ->].
case: ts => [|t ts] //=; rewrite eqSS => /andP[sz /andP[tk alls]].
by exists (t, ts); rewrite mem_iota add0n tk IH sz alls.
Qed.

(* The offset reached by taps ts through dilations ds: sum_i t_i d_i. *)
Fixpoint tapsum (ts ds : seq nat) : nat :=
  if ts is t :: ts' then (if ds is d :: ds' then t * d + tapsum ts' ds' else 0) else 0.

(* The sumset {0..k-1} d_1 + ... + {0..k-1} d_L, as the image of the tap box
   (with repetitions: an offset reached by several tap lists occurs several times). *)
Definition sumset (k : nat) (ds : seq nat) : seq nat := [seq tapsum ts ds | ts <- box k (size ds)].

Lemma mem_sumset k ds n :
  reflect (exists2 ts, (size ts == size ds) && all (fun t => t < k) ts & n = tapsum ts ds)
          (n \in sumset k ds).
Proof.
apply: (iffP mapP) => [[ts ts_in ->]|[ts ts_ok ->]].
  by exists ts => //; move: ts_in; rewrite mem_box.
by exists ts; rewrite ?mem_box.
Qed.

(* The sumset has at most k^L elements. *)
Theorem sumset_card k ds : size (undup (sumset k ds)) <= k ^ size ds.
Proof. by apply: leq_trans (size_undup _) _; rewrite size_map size_box. Qed.

(* Hole-free: every offset 0 .. rf - 1 is reached. *)
Definition hole_free k ds := forall n, n < rf k (nth 0 ds) (size ds) -> n \in sumset k ds.

(* The bound: a hole-free chain of L layers of k-tap kernels has receptive field at most k^L. *)
Theorem hole_free_bound k ds : hole_free k ds -> rf k (nth 0 ds) (size ds) <= k ^ size ds.
Proof.
move=> hf; rewrite -(size_iota 0 (rf _ _ _)) -(size_box k (size ds)) -(size_map (tapsum^~ ds)).
apply: uniq_leq_size; first exact: iota_uniq.
by move=> n; rewrite mem_iota add0n => /hf.
Qed.
