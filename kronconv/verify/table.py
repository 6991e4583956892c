"""The checker's template table: fixed texts and obligations of the general steps (data, reviewed by hand).

Regenerated certificates must match these exactly; the checker discharges each obligation here once
per process with SymPy (it never parses a certificate's own expressions).  :data:`COQ` names the Coq
theorem that covers each general step (the checker hashes its statement from the shipped ``.v`` files,
:mod:`.coqcite`).
"""

from __future__ import annotations

#: General steps: rule -> (text, [(obligation kind, srepr, text, note), ...]).
GENERAL = {
    'dilation-as-convolution': (
        (
            'Dilation as convolution: (K *_d F)[t] = Σ_s dilate(K, d)[s] F[t − s], where dilate(K, '
            'd)[d·τ] = K[τ] and dilate(K, d)[s] = 0 when d ∤ s; extent d(m − 1) + 1. Reindex s = d·'
            'τ: injective because d ≥ 1, and it recovers τ = ⌊s/d⌋ with s mod d = 0.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Symbol('tau', integer=True, nonnegative=True), Symbol('tau', integer="
                    'True, nonnegative=True))'
                ),
                'Eq(tau, tau)',
                '⌊dτ/d⌋ = τ',
            ),
            (
                'equal',
                'Equality(Integer(0), Integer(0))',
                'Eq(0, 0)',
                'dτ mod d = 0',
            ),
            (
                'positive',
                "Symbol('d', integer=True, positive=True)",
                'd',
                'd ≥ 1, so τ ↦ dτ is injective',
            ),
        ],
    ),
    'dilation-as-kronecker': (
        (
            'Dilation as a Kronecker product: (K ⊗ E_d)[s] = K[⌊s/d⌋]·[s mod d = 0] (numpy.kron ind'
            'ex map, E_d has its single 1 at 0), which is dilate(K, d)[s]; its last d − 1 entries p'
            'er axis, s = d(m − 1) + v with 0 < v < d, are 0 because s mod d = v ≠ 0, so trimming t'
            'hem leaves extent d·m − (d − 1).'
        ),
        [
            (
                'equal',
                (
                    "Equality(Mod(Symbol('v', integer=True, positive=True), Symbol('d', integer=Tru"
                    "e, positive=True)), Mod(Symbol('v', integer=True, positive=True), Symbol('d', "
                    'integer=True, positive=True)))'
                ),
                'Eq(Mod(v, d), Mod(v, d))',
                '(d(m−1)+v) mod d = v mod d',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Symbol('d', integer=True, positive=True), Symbol('m', integer"
                    "=True, positive=True)), Mul(Integer(-1), Symbol('d', integer=True, positive=Tr"
                    "ue)), Integer(1)), Add(Mul(Symbol('d', integer=True, positive=True), Add(Symbo"
                    "l('m', integer=True, positive=True), Integer(-1))), Integer(1)))"
                ),
                'Eq(d*m - d + 1, d*(m - 1) + 1)',
                'trimmed extent = dilated extent',
            ),
        ],
    ),
    'kronecker-lemma': (
        (
            'Kronecker lemma: if A has extent m and B extent exactly n per axis, then dilate(A, n) '
            '* B = A ⊗ B. By the dilation step (dilate(A, n) * B)[t] = Σ_i A[i] B[t − n·i], and B[t'
            ' − n·i] ≠ 0 only for j = t − n·i ∈ [0, n): the sum is over pairs with φ(i, j) = n·i + '
            'j = t. φ maps [0,m)×[0,n) into [0, mn) (φ(0,0) = 0, φ(m−1, n−1) = mn − 1) and ψ(t) = ('
            '⌊t/n⌋, t mod n) inverts it: for j = n − 1 − u ≤ n − 1, i ≤ (n·i + j)/n < i + 1 gives ⌊'
            '(n·i + j)/n⌋ = i and remainder j; n·⌊t/n⌋ + t mod n = t; ⌊t/n⌋ ≤ m − 1 for t ≤ mn − 1.'
            ' So each t ∈ [0, mn) receives exactly one term, (dilate(A, n) * B)[t] = A[⌊t/n⌋]·B[t m'
            'od n] = (A ⊗ B)[t] (numpy.kron index map), extent mn; in D dimensions the same holds o'
            'n every axis.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Add(Mul(Symbol('n', integer=True, positive=True), Add(Symbol('m', int"
                    "eger=True, positive=True), Integer(-1))), Symbol('n', integer=True, positive=T"
                    "rue), Integer(-1)), Add(Mul(Symbol('m', integer=True, positive=True), Symbol('"
                    "n', integer=True, positive=True)), Integer(-1)))"
                ),
                'Eq(n*(m - 1) + n - 1, m*n - 1)',
                'φ(m−1, n−1) = mn − 1',
            ),
            (
                'equal',
                (
                    "Equality(Mul(Pow(Symbol('n', integer=True, positive=True), Integer(-1)), Add(M"
                    "ul(Symbol('i', integer=True, nonnegative=True), Symbol('n', integer=True, posi"
                    "tive=True)), Symbol('j', integer=True, nonnegative=True))), Add(Symbol('i', in"
                    "teger=True, nonnegative=True), Mul(Symbol('j', integer=True, nonnegative=True)"
                    ", Pow(Symbol('n', integer=True, positive=True), Integer(-1)))))"
                ),
                'Eq((i*n + j)/n, i + j/n)',
                '(n·i + j)/n = i + j/n',
            ),
            (
                'nonnegative',
                (
                    "Mul(Symbol('j', integer=True, nonnegative=True), Pow(Symbol('n', integer=True,"
                    ' positive=True), Integer(-1)))'
                ),
                'j/n',
                'j/n ≥ 0',
            ),
            (
                'positive',
                (
                    "Add(Integer(1), Mul(Integer(-1), Pow(Symbol('n', integer=True, positive=True),"
                    " Integer(-1)), Add(Symbol('n', integer=True, positive=True), Mul(Integer(-1), "
                    "Symbol('u', integer=True, nonnegative=True)), Integer(-1))))"
                ),
                '1 - (n - u - 1)/n',
                'j = n − 1 − u gives j/n < 1',
            ),
            (
                'equal',
                (
                    "Equality(Symbol('j', integer=True, nonnegative=True), Symbol('j', integer=True"
                    ', nonnegative=True))'
                ),
                'Eq(j, j)',
                'remainder (n·i + j) − n·i = j',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Symbol('n', integer=True, positive=True), floor(Mul(Pow(Symbo"
                    "l('n', integer=True, positive=True), Integer(-1)), Symbol('t', integer=True)))"
                    "), Mod(Symbol('t', integer=True), Symbol('n', integer=True, positive=True))), "
                    "Symbol('t', integer=True))"
                ),
                'Eq(n*floor(t/n) + Mod(t, n), t)',
                'φ(ψ(t)) = t',
            ),
            (
                'positive',
                (
                    "Add(Symbol('m', integer=True, positive=True), Mul(Integer(-1), Pow(Symbol('n',"
                    " integer=True, positive=True), Integer(-1)), Add(Mul(Symbol('m', integer=True,"
                    " positive=True), Symbol('n', integer=True, positive=True)), Integer(-1))))"
                ),
                'm - (m*n - 1)/n',
                '⌊t/n⌋ ≤ (mn − 1)/n < m',
            ),
        ],
    ),
    'induction-base': (
        (
            'Induction hypothesis H(l): C_l := dilate(K_l, a^l) * ... * dilate(K_0, a^0) = K_l ⊗ ..'
            '. ⊗ K_0, of extent a^(l+1) per axis. Base H(0): d_0 = a^0 = 1 and dilate(K, 1) = K, of'
            ' extent a.'
        ),
        [
            (
                'equal',
                'Equality(Integer(1), Integer(1))',
                'Eq(1, 1)',
                'd_0 = 1',
            ),
            (
                'equal',
                (
                    "Equality(Symbol('a', integer=True, positive=True), Symbol('a', integer=True, p"
                    'ositive=True))'
                ),
                'Eq(a, a)',
                'dilate(K, 1) has extent a',
            ),
        ],
    ),
    'induction-step': (
        (
            'Step H(l) ⇒ H(l+1): F_(l+2) = K_(l+1) *_(a^(l+1)) F_(l+1) = dilate(K_(l+1), a^(l+1)) *'
            ' (C_l * F_0) (S1, H(l)) = (dilate(K_(l+1), a^(l+1)) * C_l) * F_0 (associativity, A2) ='
            ' (K_(l+1) ⊗ C_l) * F_0 (S3 with m = a, n = a^(l+1) = extent of C_l), of extent a·a^(l+'
            '1) = a^(l+2).'
        ),
        [
            (
                'equal',
                (
                    "Equality(Mul(Symbol('a', integer=True, positive=True), Pow(Symbol('a', integer"
                    "=True, positive=True), Add(Symbol('l', integer=True, nonnegative=True), Intege"
                    "r(1)))), Pow(Symbol('a', integer=True, positive=True), Add(Symbol('l', integer"
                    '=True, nonnegative=True), Integer(2))))'
                ),
                'Eq(a*a**(l + 1), a**(l + 2))',
                'extent a·a^(l+1) = a^(l+2)',
            ),
            (
                'equal',
                (
                    "Equality(Pow(Symbol('a', integer=True, positive=True), Add(Symbol('l', integer"
                    "=True, nonnegative=True), Integer(1))), Mul(Symbol('a', integer=True, positive"
                    "=True), Pow(Symbol('a', integer=True, positive=True), Symbol('l', integer=True"
                    ', nonnegative=True))))'
                ),
                'Eq(a**(l + 1), a*a**l)',
                'dilation a^(l+1) = a·a^l = extent of C_l',
            ),
        ],
    ),
    'induction-conclusion': (
        (
            'By induction, for every L ≥ 1, a ≥ 1 and D ≥ 1 (per axis): F_L = (K_(L−1) ⊗ ... ⊗ K_0)'
            ' * F_0.'
        ),
        [
        ],
    ),
    'channel-bilinearity': (
        (
            'Channels: F_(l+1)[o] = Σ_c K_l[o,c] *_(d_l) F_l[c]; expanding by bilinearity (A2), F_L'
            '[o] = Σ_i Σ_(c_1..c_(L−1)) (chain of K_(L−1)[o,c_(L−1)], ..., K_0[c_1,i]) * F_0[i], an'
            'd each chain is a one-channel cascade, so by S6 K[o,i] = Σ_(c_1..c_(L−1)) K_(L−1)[o,c_'
            '(L−1)] ⊗ ... ⊗ K_0[c_1,i].'
        ),
        [
        ],
    ),
    'correlation-reflection': (
        (
            'Cross-correlation: with the reflection (R G)(t) = G(−t), R(K ⋆_d F) = K *_d (R F), sin'
            'ce (K ⋆_d F)(−t) = Σ K[τ] F(−t + dτ) = Σ K[τ] (R F)(t − dτ). A cascade of correlations'
            ' is therefore R ∘ (cascade of convolutions) ∘ R = R ∘ (C * ·) ∘ R = C ⋆ ·, with the sa'
            'me kernel C.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Add(Mul(Symbol('d', integer=True, positive=True), Symbol('tau', integ"
                    "er=True, nonnegative=True)), Mul(Integer(-1), Symbol('t', integer=True))), Add"
                    "(Mul(Symbol('d', integer=True, positive=True), Symbol('tau', integer=True, non"
                    "negative=True)), Mul(Integer(-1), Symbol('t', integer=True))))"
                ),
                'Eq(d*tau - t, d*tau - t)',
                '−t + dτ = −(t − dτ)',
            ),
        ],
    ),
    'centred-index': (
        (
            'Centred origin: a = 2r + 1 and taps τ = q − r with q ∈ [0, a). The composite offset Σ_'
            'l a^l τ_l = Σ_l a^l q_l − r Σ_(l<L) a^l = (corner position) − (a^L − 1)/2, so the comp'
            'osite is the corner Kronecker kernel indexed −(a^L − 1)/2..(a^L − 1)/2: the centred Kr'
            'onecker kernel.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Mul(Symbol('r', integer=True, nonnegative=True), Sum(Pow(Add(Mul(Inte"
                    "ger(2), Symbol('r', integer=True, nonnegative=True)), Integer(1)), Symbol('l',"
                    " integer=True, nonnegative=True)), Tuple(Symbol('l', integer=True, nonnegative"
                    "=True), Integer(0), Add(Symbol('L', integer=True, positive=True), Integer(-1))"
                    "))), Add(Mul(Rational(1, 2), Pow(Add(Mul(Integer(2), Symbol('r', integer=True,"
                    " nonnegative=True)), Integer(1)), Symbol('L', integer=True, positive=True))), "
                    'Rational(-1, 2)))'
                ),
                'Eq(r*Sum((2*r + 1)**l, (l, 0, L - 1)), (2*r + 1)**L/2 - 1/2)',
                'a = 2r + 1: r·Σ_(l<L) a^l = (a^L − 1)/2',
            ),
        ],
    ),
    'nonlinear-composition': (
        (
            'Linearity is what the cascade theorem uses: convolutions compose (associativity, A2) o'
            'nly when nothing acts between them. With φ between layers, F_L = K_(L−1) *_d φ(... φ(K'
            '_0 * F_0)).'
        ),
        [
        ],
    ),
    'extent-induction': (
        (
            'Extent by induction: E(1) = a and E(L+1) = E(L) + (a − 1)·b^L (receptive-field recurre'
            'nce with dilated extent b^L(a − 1) + 1), solved by E(L) = 1 + (a − 1)(b^L − 1)/(b − 1)'
            ' for b ≥ 2 (and 1 + (a − 1)L for b = 1).'
        ),
        [
            (
                'equal',
                (
                    "Equality(Symbol('a', integer=True, positive=True), Symbol('a', integer=True, p"
                    'ositive=True))'
                ),
                'Eq(a, a)',
                'E(1) = a',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Integer(-1), Add(Symbol('a', integer=True, positive=True), In"
                    "teger(-1)), Pow(Add(Symbol('b', integer=True, positive=True), Integer(-1)), In"
                    "teger(-1)), Add(Pow(Symbol('b', integer=True, positive=True), Symbol('L', inte"
                    "ger=True, positive=True)), Integer(-1))), Mul(Add(Symbol('a', integer=True, po"
                    "sitive=True), Integer(-1)), Pow(Add(Symbol('b', integer=True, positive=True), "
                    "Integer(-1)), Integer(-1)), Add(Pow(Symbol('b', integer=True, positive=True), "
                    "Add(Symbol('L', integer=True, positive=True), Integer(1))), Integer(-1)))), Mu"
                    "l(Pow(Symbol('b', integer=True, positive=True), Symbol('L', integer=True, posi"
                    "tive=True)), Add(Symbol('a', integer=True, positive=True), Integer(-1))))"
                ),
                (
                    'Eq(-(a - 1)*(b**L - 1)/(b - 1) + (a - 1)*(b**(L + 1) - 1)/(b - 1), b**L*(a - 1'
                    '))'
                ),
                'E(L+1) − E(L) = (a − 1) b^L',
            ),
        ],
    ),
    'rf-induction:plain-stack': (
        (
            'a plain stack of k x k layers has field l(k − 1) + k after layer l (from 0): the close'
            'd form of kronconv.formulas.receptive_field_closed_form(k, 1, l + 1) = k*l + k - l equ'
            'als k + l*(k - 1); and k + l*(k - 1) satisfies the base case and the receptive-field r'
            'ecurrence r_l = r_(l−1) + (κ_l − 1) (Araujo et al. 2019), so the claim holds for all s'
            'izes by induction.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Add(Mul(Symbol('k', integer=True, positive=True), Symbol('l', integer"
                    "=True, nonnegative=True)), Symbol('k', integer=True, positive=True), Mul(Integ"
                    "er(-1), Symbol('l', integer=True, nonnegative=True))), Add(Symbol('k', integer"
                    "=True, positive=True), Mul(Symbol('l', integer=True, nonnegative=True), Add(Sy"
                    "mbol('k', integer=True, positive=True), Integer(-1)))))"
                ),
                'Eq(k*l + k - l, k + l*(k - 1))',
                'closed form from kronconv.formulas',
            ),
            (
                'equal',
                (
                    "Equality(Symbol('k', integer=True, positive=True), Symbol('k', integer=True, p"
                    'ositive=True))'
                ),
                'Eq(k, k)',
                'base case: one layer, r = 1 + (k − 1)·d_0',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Integer(-1), Symbol('l', integer=True, nonnegative=True), Add"
                    "(Symbol('k', integer=True, positive=True), Integer(-1))), Mul(Add(Symbol('k', "
                    "integer=True, positive=True), Integer(-1)), Add(Symbol('l', integer=True, nonn"
                    "egative=True), Integer(1)))), Add(Symbol('k', integer=True, positive=True), In"
                    'teger(-1)))'
                ),
                'Eq(-l*(k - 1) + (k - 1)*(l + 1), k - 1)',
                'recurrence r_(next) − r = (k − 1)·d_next',
            ),
        ],
    ),
    'rf-induction:kronecker-cascade': (
        (
            'a cascade of a x a layers with dilations a^l has field a^L after L layers: the closed '
            'form of kronconv.formulas.receptive_field_closed_form(a, a**l, L) = a**L equals a**L; '
            'and a**L satisfies the base case and the receptive-field recurrence r_l = r_(l−1) + (κ'
            '_l − 1) (Araujo et al. 2019), so the claim holds for all sizes by induction.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Pow(Symbol('a', integer=True, positive=True), Symbol('L', integer=Tru"
                    "e, positive=True)), Pow(Symbol('a', integer=True, positive=True), Symbol('L', "
                    'integer=True, positive=True)))'
                ),
                'Eq(a**L, a**L)',
                'closed form from kronconv.formulas',
            ),
            (
                'equal',
                (
                    "Equality(Symbol('a', integer=True, positive=True), Symbol('a', integer=True, p"
                    'ositive=True))'
                ),
                'Eq(a, a)',
                'base case: one layer, r = 1 + (k − 1)·d_0',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Integer(-1), Pow(Symbol('a', integer=True, positive=True), Sy"
                    "mbol('L', integer=True, positive=True))), Pow(Symbol('a', integer=True, positi"
                    "ve=True), Add(Symbol('L', integer=True, positive=True), Integer(1)))), Mul(Pow"
                    "(Symbol('a', integer=True, positive=True), Symbol('L', integer=True, positive="
                    "True)), Add(Symbol('a', integer=True, positive=True), Integer(-1))))"
                ),
                'Eq(-a**L + a**(L + 1), a**L*(a - 1))',
                'recurrence r_(next) − r = (k − 1)·d_next',
            ),
        ],
    ),
    'rf-induction:yu-koltun': (
        (
            'Yu & Koltun: 3x3 layers with dilations 2^i give F_(i+1) a field of 2^(i+2) − 1: the cl'
            'osed form of kronconv.formulas.receptive_field_closed_form(3, 2**l, i + 1) = 2**(i + 2'
            ') - 1 equals 2**(i + 2) - 1; and 2**(i + 2) - 1 satisfies the base case and the recept'
            'ive-field recurrence r_l = r_(l−1) + (κ_l − 1) (Araujo et al. 2019), so the claim hold'
            's for all sizes by induction.'
        ),
        [
            (
                'equal',
                (
                    "Equality(Add(Pow(Integer(2), Add(Symbol('i', integer=True, nonnegative=True), "
                    "Integer(2))), Integer(-1)), Add(Pow(Integer(2), Add(Symbol('i', integer=True, "
                    'nonnegative=True), Integer(2))), Integer(-1)))'
                ),
                'Eq(2**(i + 2) - 1, 2**(i + 2) - 1)',
                'closed form from kronconv.formulas',
            ),
            (
                'equal',
                'Equality(Integer(3), Integer(3))',
                'Eq(3, 3)',
                'base case: one layer, r = 1 + (k − 1)·d_0',
            ),
            (
                'equal',
                (
                    "Equality(Add(Mul(Integer(-1), Pow(Integer(2), Add(Symbol('i', integer=True, no"
                    "nnegative=True), Integer(2)))), Pow(Integer(2), Add(Symbol('i', integer=True, "
                    "nonnegative=True), Integer(3)))), Mul(Integer(2), Pow(Integer(2), Add(Symbol('"
                    "i', integer=True, nonnegative=True), Integer(1)))))"
                ),
                'Eq(-2**(i + 2) + 2**(i + 3), 2*2**(i + 1))',
                'recurrence r_(next) − r = (k − 1)·d_next',
            ),
        ],
    ),
}
#: Assumptions of the cascade and dilation-lemma theorems.
ASSUMPTIONS = [
    (
        'Definitions: (K * F)[t] = Σ_τ K[τ] F[t − τ] (true convolution), (K *_d F)[t] = Σ_τ K[τ] F['
        't − d·τ] (dilated), (K ⋆ F)[t] = Σ_τ K[τ] F[t + τ] (cross-correlation); kernel indices fro'
        'm 0 per axis (--origin centre: from −r); signals are zero outside a finite support, so eve'
        'ry sum is finite.'
    ),
    (
        'Convolution of finitely supported arrays is associative and commutative, and bilinear in i'
        'ts two arguments (finite sums, reindexed; e.g. Oppenheim & Schafer, Discrete-Time Signal P'
        'rocessing, §2.3).'
    ),
    (
        'numpy.kron index map: for arrays of equal rank, kron(A, B)[n·i + j] = A[i]·B[j] on every a'
        "xis, n = B's extent on that axis (NumPy documentation of numpy.kron)."
    ),
    (
        'Euclidean division: for n ≥ 1 each integer t = n·q + r with unique q = ⌊t/n⌋ and 0 ≤ r = t'
        ' mod n < n; ⌊x⌋ = q iff q ≤ x < q + 1.'
    ),
]
#: Assumption of the receptive-field theorem.
RF_ASSUMPTIONS = [
    (
        'Receptive-field recurrence for stride-1 layers: r_(−1) = 1, r_l = r_(l−1) + d_l (k_l − 1) '
        '(Araujo, Norris & Sim 2019, Distill).'
    ),
]

#: The tanh counterexample's exact obligation: 1 - tanh(1) > 0.
TANH_OBLIGATION = ("positive", "Add(Integer(1), Mul(Integer(-1), tanh(Integer(1))))", "1 - tanh(1)", "tanh(1) < 1")
#: Why the general cascade proof does not apply (first matching condition wins).
REASONS = {
    "dilations": ("dilations {d} are not a^l = {w}: the Kronecker lemma needs layer l's dilation to equal the "
                  "extent a^l of the kernel composed so far"),
    "order": "the claimed Kronecker order puts layer 0 outermost; the lemma makes the last layer the outer factor",
    "flip": "the claimed kernel is flipped; the lemma gives the unflipped Kronecker kernel",
    "channels": "with C > 1 channels the lemma gives a sum over channel paths, not one Kronecker product per pair",
    "nonlinearity": "a {nl} between layers is not linear, so convolutions do not compose",
}
#: Note recorded when a related Kronecker-rank report is above the prover's size limits.
RANK_SKIPPED = "Kronecker-rank report skipped: it is above the prover's size limits."

#: The symbolic certificate of a proved cascade claim: what Coq proves, and what is checked here.
SYMBOLIC = ("for all L ≥ 1, a ≥ 1 and every D ≥ 1 (proved in Coq: cascaden_kron; instances checked here for D ≤ 3): "
            "a cascade with dilations a^l equals convolution with the Kronecker kernel K_(L−1) ⊗ ... ⊗ K_0")
SYMBOLIC_CHANNELS = " (summed over channel paths; Coq: cascade_ch_kron)"
SYMBOLIC_METHOD = ("induction on the layers from the Kronecker lemma; index facts discharged by SymPy; cited rules A1–A4; "
                   "each general step names the Coq theorem that proves it")

#: Coq theorem covering each general step: rule -> ((file, theorem) for D = 1, (file, theorem) for every D).
#: A rule not listed (``nonlinear-composition``: a remark, the refutation is an instance) cites null.
COQ = {
    "dilation-as-convolution": (("Signal.v", "dconv_dilate"), ("Multi.v", "dconvn_dilate")),
    "dilation-as-kronecker": (("Signal.v", "dilate_kron_selector"), ("Multi.v", "dilaten_kron_selector")),
    "kronecker-lemma": (("Signal.v", "conv_dilate_kron"), ("Multi.v", "convn_dilate_kron")),
    "induction-base": (("Cascade.v", "cascade_kron"), ("Multi.v", "cascaden_kron")),
    "induction-step": (("Cascade.v", "cascade_kron"), ("Multi.v", "cascaden_kron")),
    "induction-conclusion": (("Multi.v", "cascaden_kron"),) * 2,
    "channel-bilinearity": (("Channels.v", "cascade_ch_kron"),) * 2,
    "correlation-reflection": (("Correlation.v", "cascade_corr_kron"),) * 2,
    "centred-index": (("ReceptiveField.v", "centred_offset"),) * 2,
    "extent-induction": (("ReceptiveField.v", "rf_geometric"),) * 2,
    "rf-induction:plain-stack": (("ReceptiveField.v", "rf_plain"),) * 2,
    "rf-induction:kronecker-cascade": (("ReceptiveField.v", "rf_kronecker"),) * 2,
    "rf-induction:yu-koltun": (("ReceptiveField.v", "rf_geometric"),) * 2,
    "counting": (("HoleFree.v", "sumset_card"),) * 2,
    "interval-cardinality": (("HoleFree.v", "hole_free_bound"),) * 2,
}
