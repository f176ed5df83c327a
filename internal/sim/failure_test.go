package sim

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFailureRequestDefaults(t *testing.T) {
	res, err := DefaultFailureRequest().Generate(now)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Plant.Assets[0]
	if a.Asset.ID != "demo-pump-001" || a.Asset.Type != "pump" || len(a.Sensors) != 5 {
		t.Fatalf("asset %+v with %d sensors", a.Asset, len(a.Sensors))
	}
	for _, s := range res.Plant.SensorList() {
		if !strings.HasPrefix(s.ID, "demo-pump-001-") || s.SamplingInterval != 60 || s.Validate() != nil {
			t.Fatalf("sensor %+v", s)
		}
	}
	start := now.Add(-72 * time.Hour)
	if n := len(res.Readings); n != 5*(72*60+1) {
		t.Fatalf("%d readings, want one a minute for 5 sensors over [now−72h, now]", n)
	}
	if !res.Readings[0].Time.Equal(start) || !res.Readings[len(res.Readings)-1].Time.Equal(now) {
		t.Fatalf("readings from %s to %s", res.Readings[0].Time, res.Readings[len(res.Readings)-1].Time)
	}
	failAt, ok := res.Truth.FailureTime("demo-pump-001")
	if !ok || !failAt.Equal(start.Add(60*time.Hour)) {
		t.Fatalf("failure at %s", failAt)
	}
	deg := res.Truth.Filter("degradation", "")
	if len(deg) != 1 || !deg[0].Start.Equal(failAt.Add(-48*time.Hour)) {
		t.Fatalf("degradation %+v", deg)
	}
	var early, late []float64
	for _, r := range res.Readings {
		switch {
		case r.SensorID == "demo-pump-001-speed" && r.Time.After(failAt.Add(5*time.Minute)) && r.Value != 0:
			t.Fatalf("speed %v at %s after the failure", r.Value, r.Time)
		case r.SensorID != "demo-pump-001-vibration":
		case r.Time.Before(deg[0].Start):
			early = append(early, r.Value)
		case r.Time.Before(failAt) && r.Time.After(failAt.Add(-6*time.Hour)):
			late = append(late, r.Value)
		}
	}
	if mean(late) < 2.5*mean(early) {
		t.Fatalf("vibration %.2f mm/s in the last 6 h before failure vs %.2f healthy", mean(late), mean(early))
	}
	again, _ := DefaultFailureRequest().Generate(now)
	if !reflect.DeepEqual(res.Readings, again.Readings) {
		t.Error("the same request gave different readings")
	}
}

func TestFailureBeyondTheWindow(t *testing.T) {
	req := FailureRequest{AssetID: "line-2-motor", AssetType: AssetMotor, DurationHours: 24, TimeToFailureHours: 100,
		DegradationHours: 90, IntervalSeconds: 300, Severity: 2, Seed: 1}
	res, err := req.Generate(now)
	if err != nil {
		t.Fatal(err)
	}
	if failAt, _ := res.Truth.FailureTime("line-2-motor"); !failAt.After(now) {
		t.Fatalf("failure at %s, want after the window", failAt)
	}
	for _, r := range res.Readings {
		if r.SensorID == "line-2-motor-speed" && r.Value < 1400 {
			t.Fatalf("the motor stopped at %s before its failure", r.Time)
		}
	}
	if n := len(res.Readings); n != 5*(24*12+1) {
		t.Fatalf("%d readings", n)
	}
}
