package anomaly

import "math"

// Calibration turns a raw, non-negative statistic into a tail probability
// P(X ≥ x) estimated from the statistic's own past, so that statistics of
// very different series (and units) land on one scale and one threshold fits
// them all — the idea behind HTM's anomaly likelihood, made nonparametric.
//
// The past is an exponentially decayed histogram of log2(x) in bins of a
// quarter octave, kept as a Fenwick tree so that an update and a query cost
// O(log bins). Inside the body of the distribution the estimate is the
// empirical mid-p value; beyond the 99th percentile it is an exponential tail
// in log space (a Pareto tail for x) fitted on the 90th and 99th
// percentiles, so values never seen before get probabilities below 1/n that
// keep falling the further out they are.

const (
	binsPerOctave = 4
	minOctave     = -34
	maxOctave     = 30
	numBins       = (maxOctave - minOctave) * binsPerOctave // 256
	fenwickSize   = 256
	quantileEvery = 16 // updates between recomputations of the tail quantiles
	rescaleAbove  = 1e150
	recurring     = 3 // samples beyond the tail that do not yet make a value routine
)

// tail is one calibrated statistic. Its fields are exported for the saved
// state only.
type tail struct {
	Tree  []float64 // Fenwick tree of decayed bin weights
	Total float64   // sum of all weights
	W     float64   // weight of the next sample (grows instead of decaying the past)
	Decay float64   // per-update retention of past weight
	N     int       // samples seen
	Since int       // updates since the quantiles were recomputed
	Q90   float64   // log2 of the 90th percentile
	Q99   float64   // log2 of the 99th percentile
	Beta  float64   // tail scale in octaves
}

// newTail returns an empty calibrator whose memory has the given half-life
// in updates.
func newTail(halfLife float64) tail {
	return tail{Tree: make([]float64, fenwickSize+1), W: 1, Decay: math.Exp2(-1 / halfLife)}
}

// octaves returns log2(x) clamped to the histogram's range. It splits x
// into exponent and mantissa m ∈ [1, 2) and sums the series
// ln m = 2·atanh((m−1)/(m+1)) to the 9th power, accurate to about 1e−6
// octave — far finer than a bin — at a fraction of math.Log2's cost.
func octaves(x float64) float64 {
	if !(x > 0) {
		return minOctave
	}
	bits := math.Float64bits(x)
	e := int(bits>>52&0x7ff) - 1023
	if e < minOctave {
		return minOctave
	}
	if e >= maxOctave {
		return maxOctave
	}
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	s := (m - 1) / (m + 1)
	s2 := s * s
	ln := 2 * s * (1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9)))))
	return float64(e) + ln*(1/math.Ln2)
}

// binOf returns the 1-based Fenwick index of log2 value y.
func binOf(y float64) int {
	b := int((y-minOctave)*binsPerOctave) + 1
	if b < 1 {
		return 1
	}
	if b > numBins {
		return numBins
	}
	return b
}

// prefix returns the total weight of bins 1..b.
func (c *tail) prefix(b int) float64 {
	s := 0.0
	for ; b > 0; b -= b & -b {
		s += c.Tree[b]
	}
	return s
}

// add adds weight w to bin b.
func (c *tail) add(b int, w float64) {
	for ; b <= fenwickSize; b += b & -b {
		c.Tree[b] += w
	}
}

// quantile returns the log2 value below which a fraction q of the weight
// lies (the upper edge of the bin that crosses q).
func (c *tail) quantile(q float64) float64 {
	target := q * c.Total
	pos := 0
	for step := fenwickSize; step > 0; step >>= 1 {
		if next := pos + step; next <= fenwickSize && c.Tree[next] < target {
			pos = next
			target -= c.Tree[next]
		}
	}
	return minOctave + float64(pos+1)/binsPerOctave
}

// ready reports whether the calibrator has seen at least n samples.
func (c *tail) ready(n int) bool { return c.N >= n }

// pvalue returns P(X ≥ x) under the calibrator's past (1 when it is empty).
func (c *tail) pvalue(x float64) float64 { return c.pvalueAt(octaves(x)) }

// pvalueAt is pvalue for y = octaves(x).
func (c *tail) pvalueAt(y float64) float64 {
	if c.N == 0 || c.Total <= 0 {
		return 1
	}
	b := binOf(y)
	in := c.point(b)
	above := c.Total - c.prefix(b)
	if c.N >= 20 && y > c.Q99 {
		// Beyond the fitted tail, but never below the share of the past
		// that was at least as large: a value that recurs (a square
		// wave's edges, a regular burst) is as rare as its history says.
		return math.Max(0.01*math.Exp(-(y-c.Q99)/c.Beta), (above+0.5*in-recurring*c.W)/(c.Total+c.W))
	}
	p := (above + 0.5*in + 0.5*c.W) / (c.Total + c.W)
	if p > 1 {
		p = 1
	}
	return p
}

// point returns the weight of bin b alone.
func (c *tail) point(b int) float64 {
	v := c.Tree[b]
	stop := b - b&-b
	for i := b - 1; i > stop; i -= i & -i {
		v -= c.Tree[i]
	}
	return v
}

// update adds x to the past.
func (c *tail) update(x float64) { c.updateAt(octaves(x)) }

// updateAt is update for y = octaves(x).
func (c *tail) updateAt(y float64) {
	c.add(binOf(y), c.W)
	c.Total += c.W
	c.W /= c.Decay
	c.N++
	if c.W > rescaleAbove {
		c.rescale()
	}
	c.Since++
	if c.Since >= quantileEvery || c.N <= 64 {
		c.refreshQuantiles()
	}
}

// rescale divides every weight by the current sample weight so that numbers
// stay in range; probabilities are unchanged.
func (c *tail) rescale() {
	f := 1 / c.W
	for i := range c.Tree {
		c.Tree[i] *= f
	}
	c.Total *= f
	c.W = 1
}

// refreshQuantiles recomputes the tail fit.
func (c *tail) refreshQuantiles() {
	c.Since = 0
	c.Q90 = c.quantile(0.90)
	c.Q99 = c.quantile(0.99)
	// An exponential tail through the 90th and 99th percentiles falls by a
	// factor 10 every (Q99−Q90) octaves; a floor of one bin keeps a
	// degenerate past (all samples in one bin) from claiming certainty.
	c.Beta = math.Max((c.Q99-c.Q90)/math.Ln10, 1.0/binsPerOctave)
}
