package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"smartmaint"
)

// testIsolation creates objects in tenant B and checks that tenant A (the
// default tenant) can neither see nor change any of them, through every
// method, and that A's own objects with the same IDs are separate.
func testIsolation(t *testing.T, b Backend) {
	e := newEnv(t, b)
	ctxB := e.tenant("tenant-b", 30, 60)
	ctxA := e.ctx
	mustB := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("tenant B %s: %v", what, err)
		}
	}
	mustB("CreateSite", e.s.CreateSite(ctxB, &smartmaint.Site{ID: "site-b", Name: "B plant"}))
	mustB("CreateAsset", e.s.CreateAsset(ctxB, &smartmaint.Asset{ID: "asset-b", Name: "B pump", SiteID: "site-b"}))
	mustB("CreateSensor", e.s.CreateSensor(ctxB, &smartmaint.Sensor{ID: "shared-id", Type: "vibration", AssetID: "asset-b"}))
	bReadings := []smartmaint.Reading{reading("shared-id", at(-3*time.Minute), 7), reading("shared-id", at(-2*time.Minute), 8)}
	_, err := e.s.WriteReadings(ctxB, bReadings, smartmaint.WriteOptions{IdempotencyKey: "key-1",
		Response: func(smartmaint.WriteResult) ([]byte, error) { return []byte(`"from B"`), nil }})
	mustB("WriteReadings", err)
	e.refresh()

	notFound := map[string]func() error{
		"FindSiteByID": func() error { _, err := e.s.FindSiteByID(ctxA, "site-b"); return err },
		"UpdateSite": func() error {
			_, err := e.s.UpdateSite(ctxA, "site-b", smartmaint.SiteUpdate{Name: ptr("x")})
			return err
		},
		"DeleteSite":    func() error { return e.s.DeleteSite(ctxA, "site-b") },
		"FindAssetByID": func() error { _, err := e.s.FindAssetByID(ctxA, "asset-b"); return err },
		"UpdateAsset": func() error {
			_, err := e.s.UpdateAsset(ctxA, "asset-b", smartmaint.AssetUpdate{Name: ptr("x")})
			return err
		},
		"DeleteAsset":    func() error { return e.s.DeleteAsset(ctxA, "asset-b") },
		"FindSensorByID": func() error { _, err := e.s.FindSensorByID(ctxA, "shared-id"); return err },
		"UpdateSensor": func() error {
			_, err := e.s.UpdateSensor(ctxA, "shared-id", smartmaint.SensorUpdate{Name: ptr("x")})
			return err
		},
		"DeleteSensor": func() error { return e.s.DeleteSensor(ctxA, "shared-id") },
		"FindSeries": func() error {
			_, err := e.s.FindSeries(ctxA, smartmaint.SeriesQuery{SensorID: "shared-id", From: at(-time.Hour), To: Epoch})
			return err
		},
	}
	for name, call := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, name+" across tenants", call(), smartmaint.ENOTFOUND) })
	}
	invalid := []struct {
		name  string
		field string
		call  func() error
	}{
		{"CreateAsset on B's site", "site_id", func() error {
			return e.s.CreateAsset(ctxA, &smartmaint.Asset{ID: "a", Name: "a", SiteID: "site-b"})
		}},
		{"CreateSensor on B's asset", "asset_id", func() error {
			return e.s.CreateSensor(ctxA, &smartmaint.Sensor{ID: "s", Type: "general", AssetID: "asset-b"})
		}},
		{"UpdateSensor to B's asset", "asset_id", func() error { return isolationAttach(e, ctxA) }},
		{"UpdateAsset to B's site", "site_id", func() error { return isolationMoveAsset(e, ctxA) }},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, tc.name, tc.call(), tc.field) })
	}
	if err := isolationLists(e, ctxA); err != nil {
		t.Fatal(err)
	}

	checkReadingsInvisible(t, e, ctxA)

	checkSameSensorID(t, e, ctxA, ctxB)

	// A deletes its own sensor and creates a site with B's site ID: B is untouched.
	if err := e.s.DeleteSensor(ctxA, "shared-id"); err != nil {
		t.Fatalf("A DeleteSensor: %v", err)
	}
	if err := e.s.CreateSite(ctxA, &smartmaint.Site{ID: "site-b", Name: "A's own"}); err != nil {
		t.Fatalf("A CreateSite with B's site ID: %v", err)
	}
	checkTenantB(t, e, ctxB, bReadings)
}

// checkSameSensorID writes a reading with B's sensor ID and idempotency key
// in A, and checks that A gets a sensor of its own and B's is untouched.
func checkSameSensorID(t *testing.T, e *env, ctxA, ctxB context.Context) {
	t.Helper()
	res, err := e.s.WriteReadings(ctxA, []smartmaint.Reading{reading("shared-id", at(-2*time.Minute), 100)},
		smartmaint.WriteOptions{IdempotencyKey: "key-1", Response: func(smartmaint.WriteResult) ([]byte, error) { return []byte(`"from A"`), nil }})
	if err != nil {
		t.Fatalf("A WriteReadings: %v", err)
	}
	if res.Replayed != nil || res.Inserted != 1 || !reflect.DeepEqual(res.NewSensors, []string{"shared-id"}) {
		t.Fatalf("A's write with B's sensor ID and key = %+v, want a new sensor and 1 insert", res)
	}
	e.refresh()
	sa, sb := e.sensor(ctxA, "shared-id"), e.sensor(ctxB, "shared-id")
	if sa.Stats.ReadingCount != 1 || *sa.Stats.LastValue != 100 || sa.AssetID != "" || sa.Type != "general" {
		t.Fatalf("A's sensor %+v stats %+v", sa, sa.Stats)
	}
	if sb.Stats.ReadingCount != 2 || *sb.Stats.LastValue != 8 || sb.AssetID != "asset-b" {
		t.Fatalf("B's sensor changed by A's write: %+v stats %+v", sb, sb.Stats)
	}
	if got := e.readings(ctxA, smartmaint.ReadingFilter{}); len(got) != 1 || got[0].Value != 100 {
		t.Fatalf("A's readings = %d", len(got))
	}
	ser := e.series(ctxA, smartmaint.SeriesQuery{SensorID: "shared-id", From: at(-time.Hour), To: Epoch, Step: time.Minute})
	if len(ser.Buckets) != 1 || ser.Buckets[0].Count != 1 || ser.Buckets[0].Mean != 100 {
		t.Fatalf("A's series mixes in B's rollups: %+v", ser.Buckets)
	}
}

// checkReadingsInvisible checks that A lists and exports none of B's readings.
func checkReadingsInvisible(t *testing.T, e *env, ctxA context.Context) {
	t.Helper()
	if got := e.readings(ctxA, smartmaint.ReadingFilter{}); len(got) != 0 {
		t.Fatalf("A lists %d readings of B", len(got))
	}
	if got := e.readings(ctxA, smartmaint.ReadingFilter{SensorIDs: []string{"shared-id"}}); len(got) != 0 {
		t.Fatalf("A lists %d readings of B's sensor", len(got))
	}
	exported := 0
	if err := e.s.ExportReadings(ctxA, smartmaint.ReadingFilter{}, func(*smartmaint.Reading) error { exported++; return nil }); err != nil || exported != 0 {
		t.Fatalf("A exports %d readings of B (%v)", exported, err)
	}
}

func isolationAttach(e *env, ctxA context.Context) error {
	if err := e.s.CreateSensor(ctxA, &smartmaint.Sensor{ID: "a-sensor", Type: "general"}); err != nil {
		return err
	}
	_, err := e.s.UpdateSensor(ctxA, "a-sensor", smartmaint.SensorUpdate{AssetID: ptr("asset-b")})
	return err
}

func isolationMoveAsset(e *env, ctxA context.Context) error {
	if err := e.s.CreateAsset(ctxA, &smartmaint.Asset{ID: "a-asset", Name: "A"}); err != nil {
		return err
	}
	_, err := e.s.UpdateAsset(ctxA, "a-asset", smartmaint.AssetUpdate{SiteID: ptr("site-b")})
	return err
}

// isolationLists checks that A's listings hold only A's objects.
func isolationLists(e *env, ctxA context.Context) error {
	sites, n, err := e.s.FindSites(ctxA, smartmaint.SiteFilter{})
	if err != nil || n != 0 || len(sites) != 0 {
		return smartmaint.Errorf(smartmaint.EINTERNAL, "A lists %d sites (total %d, %v)", len(sites), n, err)
	}
	assets, _, err := e.s.FindAssets(ctxA, smartmaint.AssetFilter{})
	for _, a := range assets {
		if a.ID == "asset-b" {
			return smartmaint.Errorf(smartmaint.EINTERNAL, "A lists B's asset")
		}
	}
	if err != nil {
		return err
	}
	sensors, _, err := e.s.FindSensors(ctxA, smartmaint.SensorFilter{IDs: []string{"shared-id"}})
	if err != nil || len(sensors) != 0 {
		return smartmaint.Errorf(smartmaint.EINTERNAL, "A lists %d sensors with B's ID (%v)", len(sensors), err)
	}
	return nil
}

// checkTenantB checks that B's objects and readings survived A's actions.
func checkTenantB(t *testing.T, e *env, ctxB context.Context, want []smartmaint.Reading) {
	t.Helper()
	if s, err := e.s.FindSiteByID(ctxB, "site-b"); err != nil || s.Name != "B plant" {
		t.Fatalf("B's site after A's actions: %+v, %v", s, err)
	}
	if a, err := e.s.FindAssetByID(ctxB, "asset-b"); err != nil || a.Name != "B pump" {
		t.Fatalf("B's asset after A's actions: %+v, %v", a, err)
	}
	got := e.readings(ctxB, smartmaint.ReadingFilter{Ascending: true})
	if len(got) != len(want) {
		t.Fatalf("B has %d readings, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Value != want[i].Value {
			t.Fatalf("B reading %d = %s, want %v", i, fmtReading(got[i]), want[i])
		}
	}
	ser := e.series(ctxB, smartmaint.SeriesQuery{SensorID: "shared-id", From: at(-time.Hour), To: Epoch, Step: time.Hour})
	if len(ser.Buckets) != 1 || ser.Buckets[0].Count != 2 || ser.Buckets[0].Mean != 7.5 {
		t.Fatalf("B's hourly series after A's actions: %+v", ser.Buckets)
	}
	res, err := e.s.WriteReadings(ctxB, want, smartmaint.WriteOptions{IdempotencyKey: "key-1"})
	if err != nil || string(res.Replayed) != `"from B"` {
		t.Fatalf("B's idempotency key after A used the same key: %+v, %v", res, err)
	}
}
