package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

type streamsRef struct {
	DocStream          []float64 `json:"doc_stream"`
	DocStreamPublished struct {
		ADWIN       []int `json:"adwin"`
		PageHinkley []int `json:"page_hinkley"`
	} `json:"doc_stream_published"`
	MultiStream          []float64 `json:"multi_stream"`
	MultiStreamPublished struct {
		ADWIN []int `json:"adwin"`
	} `json:"multi_stream_published"`
	DownStream       []float64 `json:"down_stream"`
	SubtleStream     []float64 `json:"subtle_stream"`
	ADWINTranscribed map[string]struct {
		Config struct {
			Clock      int     `json:"clock"`
			Delta      float64 `json:"delta"`
			MaxBuckets int     `json:"max_buckets"`
		} `json:"config"`
		Detections []int     `json:"detections"`
		Widths     []float64 `json:"widths_every_97"`
	} `json:"adwin_transcribed"`
	Transcribed map[string]map[string][]int `json:"page_hinkley_transcribed"`
}

type detector interface {
	Update(float64) (bool, error)
}

func detections(tb testing.TB, d detector, xs []float64) []int {
	tb.Helper()
	var out []int
	for i, x := range xs {
		hit, err := d.Update(x)
		if err != nil {
			tb.Fatal(err)
		}
		if hit {
			out = append(out, i)
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newADWIN(tb testing.TB) *ADWIN {
	tb.Helper()
	a, err := NewADWIN(DefaultADWINConfig())
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// TestADWINRiverExamples replays the streams of river's documentation and
// regression tests (regenerated with Python's random module in
// testdata/reference.py) and expects the published detection indices.
func TestADWINRiverExamples(t *testing.T) {
	var ref streamsRef
	loadJSON(t, "streams_reference.json", &ref)
	if got := detections(t, newADWIN(t), ref.DocStream); !equalInts(got, ref.DocStreamPublished.ADWIN) {
		t.Errorf("doc stream: detections at %v, river documents %v", got, ref.DocStreamPublished.ADWIN)
	}
	if got := detections(t, newADWIN(t), ref.MultiStream); !equalInts(got, ref.MultiStreamPublished.ADWIN) {
		t.Errorf("multi stream: detections at %v, river test expects %v", got, ref.MultiStreamPublished.ADWIN)
	}
}

func TestPageHinkleyRiverExamples(t *testing.T) {
	var ref streamsRef
	loadJSON(t, "streams_reference.json", &ref)
	streams := map[string][]float64{"doc_stream": ref.DocStream, "multi_stream": ref.MultiStream, "down_stream": ref.DownStream}
	ph, _ := NewPageHinkley(DefaultPageHinkleyConfig())
	if got := detections(t, ph, ref.DocStream); !equalInts(got, ref.DocStreamPublished.PageHinkley) {
		t.Errorf("doc stream: detections at %v, river documents %v", got, ref.DocStreamPublished.PageHinkley)
	}
	for mode, byStream := range ref.Transcribed {
		for name, want := range byStream {
			cfg := DefaultPageHinkleyConfig()
			cfg.Mode = PHMode(mode)
			ph, err := NewPageHinkley(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := detections(t, ph, streams[name]); !equalInts(got, want) {
				t.Errorf("mode %s, %s: detections at %v, transcription gives %v", mode, name, got, want)
			}
		}
	}
}

// TestADWINTranscription compares detections and the window width (every 97
// values) with a line-by-line Python transcription of river's adwin_c.pyx on
// subtle shifts and non-default settings, where the cut logic matters.
func TestADWINTranscription(t *testing.T) {
	var ref streamsRef
	loadJSON(t, "streams_reference.json", &ref)
	streams := map[string][]float64{"doc_stream": ref.DocStream, "multi_stream": ref.MultiStream,
		"subtle_stream": ref.SubtleStream}
	if len(ref.ADWINTranscribed) != 9 {
		t.Fatalf("%d transcribed cases", len(ref.ADWINTranscribed))
	}
	for key, c := range ref.ADWINTranscribed {
		cfg := DefaultADWINConfig()
		if c.Config.Clock != 0 {
			cfg.Clock = c.Config.Clock
		}
		if c.Config.Delta != 0 {
			cfg.Delta = c.Config.Delta
		}
		if c.Config.MaxBuckets != 0 {
			cfg.MaxBuckets = c.Config.MaxBuckets
		}
		a, err := NewADWIN(cfg)
		if err != nil {
			t.Fatal(err)
		}
		xs := streams[key[:strings.Index(key, "/")]]
		var got []int
		var widths []float64
		for i, x := range xs {
			if hit, _ := a.Update(x); hit {
				got = append(got, i)
			}
			if i%97 == 0 {
				widths = append(widths, float64(a.Width()))
			}
		}
		if !equalInts(got, c.Detections) {
			t.Errorf("%s: detections %v, transcription %v", key, got, c.Detections)
		}
		assertClose(t, key+" widths", widths, c.Widths, 0)
	}
}

// TestADWINStatistics: without checks the window statistics are the exact
// count, sum and sum of squared deviations (river's regression test).
func TestADWINStatistics(t *testing.T) {
	cfg := DefaultADWINConfig()
	cfg.Clock = 1_000_000
	a, _ := NewADWIN(cfg)
	var sum float64
	xs := make([]float64, 200)
	for i := range xs {
		xs[i] = float64(i % 7)
		sum += xs[i]
		if _, err := a.Update(xs[i]); err != nil {
			t.Fatal(err)
		}
	}
	mean := sum / 200
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	if a.Width() != 200 || math.Abs(a.Estimation()-mean) > 1e-12 || math.Abs(a.Variance()-ss) > 1e-9*ss {
		t.Fatalf("width %d mean %g var %g, want 200 %g %g", a.Width(), a.Estimation(), a.Variance(), mean, ss)
	}
	// Memory stays logarithmic: 5 buckets per size at most.
	if len(a.rows) > 8 {
		t.Fatalf("%d bucket rows for 200 values", len(a.rows))
	}
}

func TestADWINResetAfterDetection(t *testing.T) {
	cfg := DefaultADWINConfig()
	cfg.Clock = 1
	a, _ := NewADWIN(cfg)
	for range 500 {
		a.Update(0)
	}
	found := false
	for range 500 {
		if hit, _ := a.Update(100); hit {
			found = true
			break
		}
	}
	if !found || !a.DriftDetected() {
		t.Fatal("shift 0 → 100 not detected")
	}
	if a.Width() >= 500 {
		t.Fatalf("window not shrunk at detection: %d", a.Width())
	}
	a.Update(50)
	if a.Width() != 1 || a.Estimation() != 50 || a.DriftDetected() || a.Detections() != 1 {
		t.Fatalf("after reset: width %d est %g detected %v n %d", a.Width(), a.Estimation(), a.DriftDetected(), a.Detections())
	}
}

func TestADWINGracePeriodAndConstant(t *testing.T) {
	cfg := DefaultADWINConfig()
	cfg.GracePeriod, cfg.Clock = 100, 1
	a, _ := NewADWIN(cfg)
	for range 50 {
		a.Update(0)
	}
	for range 50 {
		a.Update(1000)
	}
	if a.Detections() != 0 {
		t.Fatal("detection inside the grace period")
	}
	c := newADWIN(t)
	for range 5000 {
		if hit, _ := c.Update(1); hit {
			t.Fatal("drift on a constant stream")
		}
	}
}

// TestADWINFalsePositives: on a stationary Gaussian stream ADWIN (δ = 0.002)
// rarely fires.
func TestADWINFalsePositives(t *testing.T) {
	rng := rand.New(rand.NewPCG(123, 1))
	a := newADWIN(t)
	for range 20000 {
		a.Update(rng.NormFloat64())
	}
	if a.Detections() > 2 {
		t.Fatalf("%d false detections on 20,000 stationary values", a.Detections())
	}
}

func TestDetectorsRejectNonFinite(t *testing.T) {
	a := newADWIN(t)
	ph, _ := NewPageHinkley(DefaultPageHinkleyConfig())
	for _, d := range []detector{a, ph} {
		d.Update(1)
		_, err := d.Update(math.NaN())
		assertFieldError(t, err, "x")
		_, err = d.Update(math.Inf(1))
		assertFieldError(t, err, "x")
	}
	if a.Width() != 1 || ph.n != 1 {
		t.Fatal("non-finite value changed the state")
	}
}

func TestDetectorConfigErrors(t *testing.T) {
	bad := DefaultADWINConfig()
	bad.Delta = 0
	_, err := NewADWIN(bad)
	assertFieldError(t, err, "delta")
	pc := DefaultPageHinkleyConfig()
	pc.Mode = "sideways"
	_, err = NewPageHinkley(pc)
	assertFieldError(t, err, "mode")
}

// TestDetectorsSaveRestore: a detector restored from JSON half-way produces
// the same detections on the rest of the stream as one that never stopped.
func TestDetectorsSaveRestore(t *testing.T) {
	var ref streamsRef
	loadJSON(t, "streams_reference.json", &ref)
	xs := ref.MultiStream
	for _, tc := range []struct {
		name  string
		make  func() detector
		fresh func() detector
	}{
		{"adwin", func() detector { return newADWIN(t) }, func() detector { return &ADWIN{} }},
		{"page-hinkley", func() detector { p, _ := NewPageHinkley(DefaultPageHinkleyConfig()); return p },
			func() detector { return &PageHinkley{} }},
	} {
		whole := detections(t, tc.make(), xs)
		for _, cut := range []int{0, 1, 1023, 1024, 2500} {
			d := tc.make()
			first := detections(t, d, xs[:cut])
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			r := tc.fresh()
			if err := json.Unmarshal(b, r); err != nil {
				t.Fatalf("%s: restore: %v", tc.name, err)
			}
			rest := detections(t, r, xs[cut:])
			for i := range rest {
				rest[i] += cut
			}
			if got := append(first, rest...); !equalInts(got, whole) {
				t.Errorf("%s cut %d: %v, uninterrupted %v", tc.name, cut, got, whole)
			}
		}
	}
}

func BenchmarkADWINUpdate(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	xs := make([]float64, 1<<16)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	a, _ := NewADWIN(DefaultADWINConfig())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.Update(xs[i&(len(xs)-1)])
	}
}

func BenchmarkPageHinkleyUpdate(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	xs := make([]float64, 1<<16)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	p, _ := NewPageHinkley(DefaultPageHinkleyConfig())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Update(xs[i&(len(xs)-1)])
	}
}
