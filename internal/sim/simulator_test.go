package sim

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"smartmaint"
)

// monday is a Monday midnight, the origin of most tests.
var monday = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func newDemo(tb testing.TB, seed uint64, scenarios ...Scenario) *Simulator {
	tb.Helper()
	s, err := New(DemoPlant(), Config{Seed: seed, Origin: monday, Scenarios: scenarios})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestDemoPlantIsValid(t *testing.T) {
	p := DemoPlant()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Sites) < 2 || len(p.Assets) != 5 {
		t.Fatalf("got %d sites and %d assets", len(p.Sites), len(p.Assets))
	}
	types := map[string]bool{}
	for _, s := range p.SensorList() {
		if err := s.Validate(); err != nil {
			t.Errorf("sensor %s: %v", s.ID, err)
		}
		types[s.Type] = true
	}
	for _, want := range []string{"temperature", "vibration", "pressure", "current", "rpm", "humidity", "voltage"} {
		if !types[want] {
			t.Errorf("no %s sensor in the demo plant", want)
		}
	}
	for _, a := range p.AssetList() {
		if err := a.Validate(); err != nil {
			t.Errorf("asset %s: %v", a.ID, err)
		}
		if a.Metadata["manufacturer"] == nil || a.Metadata["install_year"] == nil {
			t.Errorf("asset %s lacks manufacturer or install year: %v", a.ID, a.Metadata)
		}
	}
	if _, ok := p.Asset("pump-01"); !ok {
		t.Error("no pump-01")
	}
	// Each call is a fresh copy.
	p.Assets[0].Asset.Metadata["manufacturer"] = "changed"
	if DemoPlant().Assets[0].Asset.Metadata["manufacturer"] == "changed" {
		t.Error("DemoPlant shares metadata between calls")
	}
}

func TestPlantValidateRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *Plant)
		field string
	}{
		{"unknown site", func(p *Plant) { p.Assets[0].Asset.SiteID = "nowhere" }, "site_id"},
		{"duplicate sensor", func(p *Plant) { p.Assets[1].Sensors[0].Sensor.ID = p.Assets[0].Sensors[0].Sensor.ID }, "sensor_id"},
		{"fractional interval", func(p *Plant) { p.Assets[0].Sensors[0].Sensor.SamplingInterval = 2.5 }, "sampling_interval_seconds"},
		{"unknown channel", func(p *Plant) { p.Assets[0].Sensors[0].Channel = "torque" }, "channel"},
		{"wrong asset", func(p *Plant) { p.Assets[0].Sensors[0].Sensor.AssetID = "motor-01" }, "asset_id"},
		{"negative noise", func(p *Plant) { p.Assets[0].Sensors[0].Noise = -1 }, "noise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DemoPlant()
			tt.edit(p)
			assertField(t, p.Validate(), tt.field)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no origin", Config{}, "origin"},
		{"sub-second step", Config{Origin: monday, Step: 500 * time.Millisecond}, "step"},
		{"step not dividing intervals", Config{Origin: monday, Step: 7 * time.Second}, "sampling_interval_seconds"},
		{"missing rate", Config{Origin: monday, MissingRate: 0.9}, "missing_rate"},
		{"unknown asset", Config{Origin: monday, Scenarios: []Scenario{Normal{Asset: "pump-99"}}}, "asset"},
		{"two degradations", Config{Origin: monday, Scenarios: []Scenario{
			&Degradation{Asset: "pump-01", Start: monday, FailureAt: monday.Add(time.Hour)},
			&Degradation{Asset: "pump-01", Start: monday, FailureAt: monday.Add(time.Hour)}}}, "scenarios"},
		{"failure before start", Config{Origin: monday, Scenarios: []Scenario{
			&Degradation{Asset: "pump-01", Start: monday, FailureAt: monday}}}, "failure_at"},
		{"drift on a foreign sensor", Config{Origin: monday, Scenarios: []Scenario{
			Drift{Asset: "pump-01", Sensors: []string{"motor-01-current"}, Start: monday, Duration: time.Hour}}}, "sensors"},
		{"anomaly kind", Config{Origin: monday, Scenarios: []Scenario{
			Anomalies{Asset: "pump-01", Events: []AnomalyEvent{{SensorID: "pump-01-speed", Kind: "flatline", Start: monday}}}}}, "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(DemoPlant(), tt.cfg)
			assertField(t, err, tt.field)
		})
	}
}

func assertField(t *testing.T, err error, field string) {
	t.Helper()
	if smartmaint.ErrorCode(err) != smartmaint.EINVALID {
		t.Fatalf("got %v, want an EINVALID error about %s", err, field)
	}
	for _, d := range smartmaint.ErrorDetails(err) {
		if d.Field == field {
			return
		}
	}
	t.Fatalf("error %q does not name field %q", err, field)
}

func TestGenerateIsDeterministic(t *testing.T) {
	from, to := monday.Add(3*time.Hour), monday.Add(5*time.Hour)
	a := newDemo(t, 7).Generate(from, to)
	b := newDemo(t, 7).Generate(from, to)
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs with seed 7 differ (%d and %d readings)", len(a), len(b))
	}
	c := newDemo(t, 8).Generate(from, to)
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 give the same readings")
	}
}

func TestGenerateIsCutInvariant(t *testing.T) {
	scenarios := []Scenario{
		Anomalies{Asset: "pump-01", Count: 40, Start: monday, Span: 3 * time.Hour},
		Drift{Asset: "motor-01", Start: monday.Add(time.Hour), Duration: time.Hour, Magnitude: 8},
		&Degradation{Asset: "fan-01", Start: monday.Add(time.Hour), FailureAt: monday.Add(2 * time.Hour)},
	}
	s := newDemo(t, 3, scenarios...)
	a, c := monday.Add(-time.Hour), monday.Add(3*time.Hour)
	whole := s.Generate(a, c)
	for _, b := range []time.Time{monday, monday.Add(17 * time.Second), monday.Add(time.Hour + 30*time.Second),
		monday.Add(2*time.Hour + 2500*time.Millisecond), c} {
		parts := append(s.Generate(a, b), s.Generate(b, c)...)
		if !reflect.DeepEqual(whole, parts) {
			t.Errorf("[a,c) differs from [a,%s)+[%s,c)", b.Format(time.TimeOnly), b.Format(time.TimeOnly))
		}
	}
	// A cursor handing out small batches gives the same sequence too.
	cur, _ := s.Cursor(a)
	var batched []smartmaint.Reading
	for _, to := range []time.Time{monday.Add(time.Minute), monday.Add(time.Minute), monday.Add(90 * time.Minute), c, c, c} {
		batched = append(batched, cur.Next(to, 777)...)
	}
	for b := cur.Next(c, 777); len(b) > 0; b = cur.Next(c, 777) {
		batched = append(batched, b...)
	}
	if !reflect.DeepEqual(whole, batched) {
		t.Errorf("cursor batches differ from one Generate call (%d vs %d readings)", len(batched), len(whole))
	}
	var iterated []smartmaint.Reading
	for r := range s.Readings(a, c) {
		iterated = append(iterated, r)
	}
	if !reflect.DeepEqual(whole, iterated) {
		t.Error("Readings differs from Generate")
	}
}

func TestGenerateAssetMatchesPlant(t *testing.T) {
	s := newDemo(t, 11, Anomalies{Asset: "compressor-01", Count: 10, Start: monday, Span: 2 * time.Hour})
	from, to := monday.Add(30*time.Minute), monday.Add(2*time.Hour)
	all := s.Generate(from, to)
	for _, a := range s.Plant().Assets {
		got, err := s.GenerateAsset(a.Asset.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.DeleteFunc(slices.Clone(all), func(r smartmaint.Reading) bool {
			_, ok := a.sensor(r.SensorID)
			return !ok
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("asset %s alone differs from its readings in the plant", a.Asset.ID)
		}
	}
	if _, err := s.GenerateAsset("nope", from, to); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Errorf("unknown asset: got %v", err)
	}
}

func TestReadingsAreAlignedAndDescribed(t *testing.T) {
	s := newDemo(t, 1)
	from, to := monday.Add(time.Hour), monday.Add(2*time.Hour)
	rs := s.Generate(from, to)
	counts := map[string]int{}
	sensors := map[string]*smartmaint.Sensor{}
	for _, sn := range s.Plant().SensorList() {
		sensors[sn.ID] = sn
	}
	for i, r := range rs {
		sn := sensors[r.SensorID]
		if r.SensorType != sn.Type || r.Unit != sn.Unit || r.Quality != 1 {
			t.Fatalf("reading %d: %+v does not describe sensor %+v", i, r, sn)
		}
		if r.Time.Unix()%int64(sn.SamplingInterval) != 0 || r.Time.Nanosecond() != 0 || r.Time.Location() != time.UTC {
			t.Fatalf("reading %d at %s is not on the %v s grid in UTC", i, r.Time, sn.SamplingInterval)
		}
		if r.Time.Before(from) || !r.Time.Before(to) || i > 0 && r.Time.Before(rs[i-1].Time) {
			t.Fatalf("reading %d at %s is out of range or out of order", i, r.Time)
		}
		counts[r.SensorID]++
	}
	for id, sn := range sensors {
		if want := int(3600 / sn.SamplingInterval); counts[id] != want {
			t.Errorf("%s: %d readings in an hour, want %d", id, counts[id], want)
		}
	}
	if got := s.Generate(monday.Add(-time.Hour), monday); len(got) != 0 {
		t.Errorf("%d readings before the origin", len(got))
	}
}

func TestMissingSamplesOption(t *testing.T) {
	full := newDemo(t, 5).Generate(monday, monday.Add(6*time.Hour))
	s, err := New(DemoPlant(), Config{Seed: 5, Origin: monday, MissingRate: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	sparse := s.Generate(monday, monday.Add(6*time.Hour))
	ratio := float64(len(sparse)) / float64(len(full))
	if ratio < 0.88 || ratio > 0.92 {
		t.Fatalf("kept %.3f of the samples with a 10 %% missing rate", ratio)
	}
	// Dropping samples does not change the others.
	byKey := map[string]float64{}
	for _, r := range full {
		byKey[r.SensorID+r.Time.String()] = r.Value
	}
	for _, r := range sparse {
		if v, ok := byKey[r.SensorID+r.Time.String()]; !ok || v != r.Value {
			t.Fatalf("%s at %s: %v, want %v", r.SensorID, r.Time, r.Value, v)
		}
	}
}

func TestDemoScenarios(t *testing.T) {
	origin, now := monday, monday.Add(24*time.Hour+17*time.Second)
	s, err := New(DemoPlant(), Config{Seed: 1, Origin: origin, Scenarios: DemoScenarios(origin, now)})
	if err != nil {
		t.Fatal(err)
	}
	truth := s.Truth()
	if fail, ok := truth.FailureTime("pump-01"); !ok || !fail.After(now) {
		t.Errorf("pump-01 fails at %s", fail)
	}
	if n := len(truth.Filter("", "compressor-01")); n != 12 {
		t.Errorf("%d compressor anomalies", n)
	}
	soon := 0
	for _, r := range s.Generate(now, now.Add(30*time.Minute)) {
		if r.Quality < 1 {
			soon++
		}
	}
	if soon < 10 {
		t.Errorf("%d anomalous readings in the first 30 live minutes", soon)
	}
}
