package tree

import "sort"

// refineTop is how many features, best coarse gain first, have their split
// refined on raw values at each node.
const refineTop = 3

// coarse is the best histogram split of one feature.
type coarse struct {
	c   candidate
	bin int
	h   []stats
}

// evaluate finds the best split of a pending leaf: the best bin boundary of
// every candidate feature, then a refinement on raw values of the few best.
func (gr *grower) evaluate(p *pending) {
	p.best = candidate{}
	if !gr.canSplit(p) {
		gr.release(p.hist)
		p.hist = nil
		return
	}
	var found []coarse
	if gr.subtraction() {
		for s, f := range gr.feats {
			h := gr.histOf(p.hist, f)
			if c, b := gr.scan(p, s, h); c.ok {
				found = append(found, coarse{c, b, h})
			}
		}
	} else {
		found = gr.drawFeatures(p)
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].c.gain > found[b].c.gain })
	for k, fc := range found {
		c := fc.c
		if k < refineTop {
			c = gr.refine(p, fc.h, c, fc.bin)
		}
		if !p.best.ok || c.gain > p.best.gain {
			p.best = c
		}
	}
}

// drawFeatures is the forest's search: features are drawn one at a time
// until mtry have been tried and a valid split was found (as in Breiman's
// and scikit-learn's forests).
func (gr *grower) drawFeatures(p *pending) []coarse {
	order := make([]int, len(gr.feats))
	for i := range order {
		order[i] = i
	}
	rows, gs, hs := gr.gather(p.begin, p.end)
	var found []coarse
	for tried := 0; tried < len(order); tried++ {
		j := tried + gr.rng.IntN(len(order)-tried)
		order[tried], order[j] = order[j], order[tried]
		s := order[tried]
		h := make([]stats, gr.bins.NumBins[gr.feats[s]])
		gr.fill(h, gr.feats[s], rows, gs, hs)
		if c, b := gr.scan(p, s, h); c.ok {
			found = append(found, coarse{c, b, h})
		}
		if tried+1 >= gr.cfg.mtry && len(found) > 0 {
			break
		}
	}
	return found
}

func (gr *grower) score(s stats) float64 { return s.g * s.g / (s.h + gr.cfg.lambda) }

// gainOf returns the gain of sending l left and the rest right, and whether
// the split is allowed.
func (gr *grower) gainOf(p *pending, l stats) (float64, bool) {
	r := p.tot.minus(l)
	cfg := gr.cfg
	if l.n < cfg.minLeaf || r.n < cfg.minLeaf || l.h < cfg.minHess || r.h < cfg.minHess {
		return 0, false
	}
	parent := gr.score(p.tot)
	gain := gr.score(l) + gr.score(r) - parent
	if gain <= cfg.minGain || gain <= 1e-12*max(parent, 1) {
		return 0, false
	}
	return gain, true
}

// scan finds the best bin boundary of one feature's histogram and returns
// it with the bin it follows.
func (gr *grower) scan(p *pending, slot int, h []stats) (candidate, int) {
	cfg := &gr.cfg
	nan := h[0]
	tot := p.tot
	parent := gr.score(tot)
	floor := max(cfg.minGain, 1e-12*max(parent, 1))
	best, bestBin := candidate{}, 0
	bestGain := floor
	try := func(l stats, b int, defaultLeft bool) {
		rn, rh := tot.n-l.n, tot.h-l.h
		if l.n < cfg.minLeaf || rn < cfg.minLeaf || l.h < cfg.minHess || rh < cfg.minHess {
			return
		}
		rg := tot.g - l.g
		gain := l.g*l.g/(l.h+cfg.lambda) + rg*rg/(rh+cfg.lambda) - parent
		if gain > bestGain {
			bestGain = gain
			best, bestBin = candidate{ok: true, feature: slot, defaultLeft: defaultLeft, gain: gain, left: l}, b
		}
	}
	var l stats
	for b := 1; b <= len(h)-2; b++ {
		if h[b].n == 0 {
			continue // the same partition as the previous boundary
		}
		l.add(h[b])
		if tot.n-l.n < cfg.minLeaf {
			break // the right side only shrinks from here
		}
		if nan.n == 0 {
			try(l, b, 2*l.n >= tot.n)
			continue
		}
		try(l, b, false)
		withNaN := l
		withNaN.add(nan)
		try(withNaN, b, true)
	}
	if best.ok {
		best.threshold = gr.binner.Edges[gr.feats[slot]][bestBin-1]
	}
	return best, bestBin
}

// refine looks for a better threshold among the raw values of the node's
// samples in the bins on either side of the chosen boundary (bestBin and
// the next non-empty one).
func (gr *grower) refine(p *pending, h []stats, c candidate, bestBin int) candidate {
	next := bestBin + 1
	for next < len(h) && h[next].n == 0 {
		next++
	}
	if h[bestBin].n+h[min(next, len(h)-1)].n <= 1 || next >= len(h) {
		return c
	}
	f := gr.feats[c.feature]
	var base stats
	for b := 1; b < bestBin; b++ {
		base.add(h[b])
	}
	if c.defaultLeft {
		base.add(h[0])
	}
	col, vals := gr.bins.Cols[f], gr.bins.Values[f]
	w := gr.window[:0]
	for _, r := range gr.rows[p.begin:p.end] {
		if b := int(col[r]); b == bestBin || b == next {
			w = append(w, entry{vals[r], stats{gr.g[r], gr.h[r], 1}})
		}
	}
	sort.Slice(w, func(a, b int) bool { return w[a].v < w[b].v })
	gr.window = w
	left := base
	for i := 0; i+1 < len(w); i++ {
		left.add(w[i].s)
		if w[i].v == w[i+1].v {
			continue
		}
		gain, ok := gr.gainOf(p, left)
		if !ok || gain <= c.gain {
			continue
		}
		dl := c.defaultLeft
		if h[0].n == 0 {
			dl = 2*left.n >= p.tot.n
		}
		c = candidate{ok: true, feature: c.feature, threshold: midpoint(w[i].v, w[i+1].v),
			defaultLeft: dl, gain: gain, left: left}
	}
	return c
}
