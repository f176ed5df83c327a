package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

func testTenants(t *testing.T, b Backend) {
	e := newEnv(t, b)
	bg := context.Background()

	tn := &smartmaint.Tenant{ID: "acme", Name: "Acme"}
	if err := e.s.CreateTenant(bg, tn); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	if tn.RawRetentionDays != smartmaint.DefaultRawRetentionDays || tn.RollupRetentionDays != smartmaint.DefaultRollupRetentionDays {
		t.Fatalf("defaults not filled: %+v", tn)
	}
	if !tn.CreatedAt.Equal(Epoch) || !tn.UpdatedAt.Equal(Epoch) {
		t.Fatalf("CreatedAt %v UpdatedAt %v, want the store clock %v", tn.CreatedAt, tn.UpdatedAt, Epoch)
	}
	got, err := e.s.FindTenantByID(bg, "acme")
	if err != nil {
		t.Fatalf("FindTenantByID: %v", err)
	}
	if !reflect.DeepEqual(got, tn) {
		t.Fatalf("FindTenantByID = %+v, want %+v", got, tn)
	}
	wantCode(t, "duplicate tenant", e.s.CreateTenant(bg, &smartmaint.Tenant{ID: "acme", Name: "Again"}), smartmaint.ECONFLICT)
	_, err = e.s.FindTenantByID(bg, "nobody")
	wantCode(t, "unknown tenant", err, smartmaint.ENOTFOUND)

	invalid := []struct {
		name  string
		t     smartmaint.Tenant
		field string
	}{
		{"no name", smartmaint.Tenant{ID: "t1"}, "name"},
		{"bad id", smartmaint.Tenant{ID: "has space", Name: "x"}, "id"},
		{"rollup shorter than raw", smartmaint.Tenant{ID: "t2", Name: "x", RawRetentionDays: 10, RollupRetentionDays: 5}, "rollup_retention_days"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			wantErrField(t, "CreateTenant", e.s.CreateTenant(bg, &tc.t), tc.field)
		})
	}

	e.clock.Advance(time.Minute)
	upd, err := e.s.UpdateTenant(bg, "acme", smartmaint.TenantUpdate{Name: ptr("Acme Corp"), RawRetentionDays: ptr(30)})
	if err != nil {
		t.Fatalf("UpdateTenant: %v", err)
	}
	if upd.Name != "Acme Corp" || upd.RawRetentionDays != 30 || upd.RollupRetentionDays != smartmaint.DefaultRollupRetentionDays ||
		!upd.UpdatedAt.Equal(at(time.Minute)) || !upd.CreatedAt.Equal(Epoch) {
		t.Fatalf("UpdateTenant = %+v", upd)
	}
	_, err = e.s.UpdateTenant(bg, "acme", smartmaint.TenantUpdate{RollupRetentionDays: ptr(10)})
	wantErrField(t, "UpdateTenant below raw", err, "rollup_retention_days")
	_, err = e.s.UpdateTenant(bg, "nobody", smartmaint.TenantUpdate{Name: ptr("x")})
	wantCode(t, "UpdateTenant unknown", err, smartmaint.ENOTFOUND)

	all, err := e.s.FindTenants(bg)
	if err != nil {
		t.Fatalf("FindTenants: %v", err)
	}
	var ids []string
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	if !reflect.DeepEqual(ids, []string{"acme", smartmaint.DefaultTenantID}) {
		t.Fatalf("FindTenants IDs = %v", ids)
	}
}

func testSites(t *testing.T, b Backend) {
	e := newEnv(t, b)
	site := &smartmaint.Site{Name: "Porto plant", Timezone: "Europe/Lisbon", Description: "north",
		Metadata: map[string]any{"lines": 3.0, "owner": "ops"}}
	if err := e.s.CreateSite(e.ctx, site); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	if u, err := uuid.Parse(site.ID); err != nil || u.Version() != 7 {
		t.Fatalf("generated ID %q is not a UUIDv7 (%v)", site.ID, err)
	}
	if !site.CreatedAt.Equal(Epoch) || !site.UpdatedAt.Equal(Epoch) {
		t.Fatalf("timestamps %v/%v, want %v", site.CreatedAt, site.UpdatedAt, Epoch)
	}
	got, err := e.s.FindSiteByID(e.ctx, site.ID)
	if err != nil {
		t.Fatalf("FindSiteByID: %v", err)
	}
	if !reflect.DeepEqual(got, site) {
		t.Fatalf("FindSiteByID = %+v, want %+v", got, site)
	}
	wantCode(t, "duplicate site", e.s.CreateSite(e.ctx, &smartmaint.Site{ID: site.ID, Name: "x"}), smartmaint.ECONFLICT)

	invalid := []struct {
		name  string
		s     smartmaint.Site
		field string
	}{
		{"no name", smartmaint.Site{ID: "s1"}, "name"},
		{"bad timezone", smartmaint.Site{ID: "s2", Name: "x", Timezone: "Mars/Olympus"}, "timezone"},
		{"bad id", smartmaint.Site{ID: "a b", Name: "x"}, "id"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, "CreateSite", e.s.CreateSite(e.ctx, &tc.s), tc.field) })
	}

	for _, id := range []string{"site-c", "site-a", "site-b"} {
		if err := e.s.CreateSite(e.ctx, &smartmaint.Site{ID: id, Name: id}); err != nil {
			t.Fatalf("CreateSite(%s): %v", id, err)
		}
	}
	want := []string{"site-a", "site-b", "site-c", site.ID}
	slices.Sort(want)
	checkPages(t, "FindSites", want, func(limit, offset int) ([]string, int, error) {
		list, total, err := e.s.FindSites(e.ctx, smartmaint.SiteFilter{Limit: limit, Offset: offset})
		ids := make([]string, len(list))
		for i, s := range list {
			ids[i] = s.ID
		}
		return ids, total, err
	})
	_, _, err = e.s.FindSites(e.ctx, smartmaint.SiteFilter{Limit: -1})
	wantCode(t, "FindSites limit -1", err, smartmaint.EINVALID)

	e.clock.Advance(time.Second)
	upd, err := e.s.UpdateSite(e.ctx, site.ID, smartmaint.SiteUpdate{Name: ptr("Porto"), Metadata: &map[string]any{"k": "v"}})
	if err != nil {
		t.Fatalf("UpdateSite: %v", err)
	}
	if upd.Name != "Porto" || upd.Timezone != "Europe/Lisbon" || !reflect.DeepEqual(upd.Metadata, map[string]any{"k": "v"}) ||
		!upd.UpdatedAt.Equal(at(time.Second)) || !upd.CreatedAt.Equal(Epoch) {
		t.Fatalf("UpdateSite = %+v", upd)
	}
	if got, _ := e.s.FindSiteByID(e.ctx, site.ID); !reflect.DeepEqual(got, upd) {
		t.Fatalf("after update FindSiteByID = %+v, want %+v", got, upd)
	}
	_, err = e.s.UpdateSite(e.ctx, site.ID, smartmaint.SiteUpdate{Name: ptr("")})
	wantErrField(t, "UpdateSite empty name", err, "name")
	_, err = e.s.UpdateSite(e.ctx, "nope", smartmaint.SiteUpdate{Name: ptr("x")})
	wantCode(t, "UpdateSite unknown", err, smartmaint.ENOTFOUND)

	// A site referenced by an asset cannot be deleted.
	asset := &smartmaint.Asset{ID: "pump-1", Name: "Pump", SiteID: "site-a"}
	if err := e.s.CreateAsset(e.ctx, asset); err != nil {
		t.Fatalf("CreateAsset: %v", err)
	}
	wantCode(t, "DeleteSite in use", e.s.DeleteSite(e.ctx, "site-a"), smartmaint.ECONFLICT)
	if _, err := e.s.FindSiteByID(e.ctx, "site-a"); err != nil {
		t.Fatalf("site-a gone after refused delete: %v", err)
	}
	if err := e.s.DeleteSite(e.ctx, "site-b"); err != nil {
		t.Fatalf("DeleteSite: %v", err)
	}
	_, err = e.s.FindSiteByID(e.ctx, "site-b")
	wantCode(t, "deleted site", err, smartmaint.ENOTFOUND)
	wantCode(t, "DeleteSite twice", e.s.DeleteSite(e.ctx, "site-b"), smartmaint.ENOTFOUND)
}

// checkPages checks a listing's order, its total and its pagination by
// Limit and Offset against want (the full listing).
func checkPages(t *testing.T, what string, want []string, list func(limit, offset int) ([]string, int, error)) {
	t.Helper()
	all, total, err := list(0, 0)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(all, want) || total != len(want) {
		t.Fatalf("%s = %v (total %d), want %v (total %d)", what, all, total, want, len(want))
	}
	var paged []string
	for off := 0; off < len(want)+2; off += 2 {
		page, total, err := list(2, off)
		if err != nil {
			t.Fatalf("%s limit 2 offset %d: %v", what, off, err)
		}
		if total != len(want) || len(page) > 2 {
			t.Fatalf("%s limit 2 offset %d: %d items, total %d", what, off, len(page), total)
		}
		paged = append(paged, page...)
	}
	if !reflect.DeepEqual(paged, want) {
		t.Fatalf("%s pages = %v, want %v", what, paged, want)
	}
}

func testAssets(t *testing.T, b Backend) {
	e := newEnv(t, b)
	if err := e.s.CreateSite(e.ctx, &smartmaint.Site{ID: "plant", Name: "Plant"}); err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	a := &smartmaint.Asset{Name: "Motor 1", Type: "motor", SiteID: "plant", Metadata: map[string]any{"kw": 55.0}}
	if err := e.s.CreateAsset(e.ctx, a); err != nil {
		t.Fatalf("CreateAsset: %v", err)
	}
	if _, err := uuid.Parse(a.ID); err != nil || a.Criticality != smartmaint.DefaultCriticality {
		t.Fatalf("CreateAsset filled ID %q criticality %d", a.ID, a.Criticality)
	}
	got, err := e.s.FindAssetByID(e.ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("FindAssetByID = %+v, %v; want %+v", got, err, a)
	}
	wantCode(t, "duplicate asset", e.s.CreateAsset(e.ctx, &smartmaint.Asset{ID: a.ID, Name: "x"}), smartmaint.ECONFLICT)

	invalid := []struct {
		name  string
		a     smartmaint.Asset
		field string
	}{
		{"no name", smartmaint.Asset{ID: "x1"}, "name"},
		{"criticality 6", smartmaint.Asset{ID: "x2", Name: "x", Criticality: 6}, "criticality"},
		{"unknown site", smartmaint.Asset{ID: "x3", Name: "x", SiteID: "elsewhere"}, "site_id"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, "CreateAsset", e.s.CreateAsset(e.ctx, &tc.a), tc.field) })
	}

	for _, x := range []smartmaint.Asset{
		{ID: "pump-2", Name: "Pump 2", Type: "pump", SiteID: "plant", Criticality: 5},
		{ID: "pump-1", Name: "Pump 1", Type: "pump"},
		{ID: "fan-1", Name: "Fan", Type: "hvac", SiteID: "plant"},
	} {
		if err := e.s.CreateAsset(e.ctx, &x); err != nil {
			t.Fatalf("CreateAsset(%s): %v", x.ID, err)
		}
	}
	listIDs := func(f smartmaint.AssetFilter) func(limit, offset int) ([]string, int, error) {
		return func(limit, offset int) ([]string, int, error) {
			f.Limit, f.Offset = limit, offset
			list, total, err := e.s.FindAssets(e.ctx, f)
			ids := make([]string, len(list))
			for i, x := range list {
				ids[i] = x.ID
			}
			return ids, total, err
		}
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	checkPages(t, "FindAssets", sorted(a.ID, "fan-1", "pump-1", "pump-2"), listIDs(smartmaint.AssetFilter{}))
	checkPages(t, "FindAssets type", []string{"pump-1", "pump-2"}, listIDs(smartmaint.AssetFilter{Type: "pump"}))
	checkPages(t, "FindAssets site", sorted(a.ID, "fan-1", "pump-2"), listIDs(smartmaint.AssetFilter{SiteID: "plant"}))

	upd, err := e.s.UpdateAsset(e.ctx, "pump-1", smartmaint.AssetUpdate{SiteID: ptr("plant"), Criticality: ptr(1)})
	if err != nil || upd.SiteID != "plant" || upd.Criticality != 1 || upd.Name != "Pump 1" {
		t.Fatalf("UpdateAsset = %+v, %v", upd, err)
	}
	_, err = e.s.UpdateAsset(e.ctx, "pump-1", smartmaint.AssetUpdate{SiteID: ptr("elsewhere")})
	wantErrField(t, "UpdateAsset unknown site", err, "site_id")
	_, err = e.s.UpdateAsset(e.ctx, "pump-1", smartmaint.AssetUpdate{Criticality: ptr(0)})
	wantErrField(t, "UpdateAsset criticality 0", err, "criticality")
	upd, err = e.s.UpdateAsset(e.ctx, "pump-1", smartmaint.AssetUpdate{SiteID: ptr("")})
	if err != nil || upd.SiteID != "" {
		t.Fatalf("UpdateAsset detach site = %+v, %v", upd, err)
	}
	_, err = e.s.UpdateAsset(e.ctx, "nope", smartmaint.AssetUpdate{Name: ptr("x")})
	wantCode(t, "UpdateAsset unknown", err, smartmaint.ENOTFOUND)

	// Deleting an asset detaches its sensors.
	if err := e.s.CreateSensor(e.ctx, &smartmaint.Sensor{ID: "fan-1-vib", Type: "vibration", AssetID: "fan-1"}); err != nil {
		t.Fatalf("CreateSensor: %v", err)
	}
	if err := e.s.DeleteAsset(e.ctx, "fan-1"); err != nil {
		t.Fatalf("DeleteAsset: %v", err)
	}
	_, err = e.s.FindAssetByID(e.ctx, "fan-1")
	wantCode(t, "deleted asset", err, smartmaint.ENOTFOUND)
	if s := e.sensor(e.ctx, "fan-1-vib"); s.AssetID != "" {
		t.Fatalf("sensor still attached to deleted asset: %q", s.AssetID)
	}
	wantCode(t, "DeleteAsset twice", e.s.DeleteAsset(e.ctx, "fan-1"), smartmaint.ENOTFOUND)
}

func testSensors(t *testing.T, b Backend) {
	e := newEnv(t, b)
	if err := e.s.CreateAsset(e.ctx, &smartmaint.Asset{ID: "pump", Name: "Pump"}); err != nil {
		t.Fatalf("CreateAsset: %v", err)
	}
	s := &smartmaint.Sensor{ID: "pump-temp", AssetID: "pump", Name: "Bearing temperature", Type: "temperature",
		Unit: "°C", Location: "DE bearing", Description: "PT100", ExpectedMin: ptr(-20.0), ExpectedMax: ptr(150.0),
		SamplingInterval: 1, Alarms: smartmaint.AlarmLimits{High: ptr(90.0), HighHigh: ptr(110.0)},
		Metadata: map[string]any{"serial": "A-17"}}
	if err := e.s.CreateSensor(e.ctx, s); err != nil {
		t.Fatalf("CreateSensor: %v", err)
	}
	if s.Status != smartmaint.SensorActive || !s.CreatedAt.Equal(Epoch) {
		t.Fatalf("CreateSensor filled status %q created %v", s.Status, s.CreatedAt)
	}
	got := e.sensor(e.ctx, "pump-temp")
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("FindSensorByID =\n%+v\nwant\n%+v", got, s)
	}
	wantCode(t, "duplicate sensor", e.s.CreateSensor(e.ctx, &smartmaint.Sensor{ID: "pump-temp", Type: "general"}), smartmaint.ECONFLICT)
	_, err := e.s.FindSensorByID(e.ctx, "nope")
	wantCode(t, "unknown sensor", err, smartmaint.ENOTFOUND)

	invalid := []struct {
		name  string
		s     smartmaint.Sensor
		field string
	}{
		{"no id", smartmaint.Sensor{Type: "general"}, "sensor_id"},
		{"bad type", smartmaint.Sensor{ID: "x1", Type: "Temp!"}, "sensor_type"},
		{"bad status", smartmaint.Sensor{ID: "x2", Type: "general", Status: "broken"}, "status"},
		{"range reversed", smartmaint.Sensor{ID: "x3", Type: "general", ExpectedMin: ptr(5.0), ExpectedMax: ptr(1.0)}, "expected_max"},
		{"alarms unordered", smartmaint.Sensor{ID: "x4", Type: "general", Alarms: smartmaint.AlarmLimits{Low: ptr(10.0), High: ptr(5.0)}}, "alarm_limits.high"},
		{"unknown asset", smartmaint.Sensor{ID: "x5", Type: "general", AssetID: "ghost"}, "asset_id"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) { wantErrField(t, "CreateSensor", e.s.CreateSensor(e.ctx, &tc.s), tc.field) })
	}

	testSensorLists(t, e)

	e.clock.Advance(time.Second)
	upd, err := e.s.UpdateSensor(e.ctx, "pump-temp", smartmaint.SensorUpdate{
		Status: ptr(smartmaint.SensorMaintenance), ExpectedMax: ptr[*float64](nil), AssetID: ptr(""),
		Alarms: &smartmaint.AlarmLimits{Low: ptr(1.0)}})
	if err != nil {
		t.Fatalf("UpdateSensor: %v", err)
	}
	want := *s
	want.Status, want.ExpectedMax, want.AssetID = smartmaint.SensorMaintenance, nil, ""
	want.Alarms = smartmaint.AlarmLimits{Low: ptr(1.0)}
	want.UpdatedAt = at(time.Second)
	if !reflect.DeepEqual(upd, &want) {
		t.Fatalf("UpdateSensor =\n%+v\nwant\n%+v", upd, &want)
	}
	if got := e.sensor(e.ctx, "pump-temp"); !reflect.DeepEqual(got, &want) {
		t.Fatalf("after update FindSensorByID = %+v", got)
	}
	badUpdates := []struct {
		name  string
		upd   smartmaint.SensorUpdate
		field string
	}{
		{"bad status", smartmaint.SensorUpdate{Status: ptr("gone")}, "status"},
		{"unknown asset", smartmaint.SensorUpdate{AssetID: ptr("ghost")}, "asset_id"},
		{"bad type", smartmaint.SensorUpdate{Type: ptr("")}, "sensor_type"},
	}
	for _, tc := range badUpdates {
		t.Run("update "+tc.name, func(t *testing.T) {
			_, err := e.s.UpdateSensor(e.ctx, "pump-temp", tc.upd)
			wantErrField(t, "UpdateSensor", err, tc.field)
			if got := e.sensor(e.ctx, "pump-temp"); !reflect.DeepEqual(got, &want) {
				t.Fatalf("refused update changed the sensor: %+v", got)
			}
		})
	}
	_, err = e.s.UpdateSensor(e.ctx, "nope", smartmaint.SensorUpdate{Name: ptr("x")})
	wantCode(t, "UpdateSensor unknown", err, smartmaint.ENOTFOUND)

	testDeleteSensor(t, e)
}

// testSensorLists creates three more sensors and checks the listings and
// their filters.
func testSensorLists(t *testing.T, e *env) {
	for _, x := range []smartmaint.Sensor{
		{ID: "pump-vib", Type: "vibration", AssetID: "pump", Status: smartmaint.SensorMaintenance},
		{ID: "amb-temp", Type: "temperature"},
		{ID: "line-current", Type: "current", Status: smartmaint.SensorInactive},
	} {
		if err := e.s.CreateSensor(e.ctx, &x); err != nil {
			t.Fatalf("CreateSensor(%s): %v", x.ID, err)
		}
	}
	listIDs := func(f smartmaint.SensorFilter) func(limit, offset int) ([]string, int, error) {
		return func(limit, offset int) ([]string, int, error) {
			f.Limit, f.Offset = limit, offset
			list, total, err := e.s.FindSensors(e.ctx, f)
			ids := make([]string, len(list))
			for i, x := range list {
				ids[i] = x.ID
			}
			return ids, total, err
		}
	}
	checkPages(t, "FindSensors", []string{"amb-temp", "line-current", "pump-temp", "pump-vib"}, listIDs(smartmaint.SensorFilter{}))
	checkPages(t, "FindSensors type", []string{"amb-temp", "pump-temp"}, listIDs(smartmaint.SensorFilter{Type: "temperature"}))
	checkPages(t, "FindSensors asset", []string{"pump-temp", "pump-vib"}, listIDs(smartmaint.SensorFilter{AssetID: "pump"}))
	checkPages(t, "FindSensors status", []string{"line-current"}, listIDs(smartmaint.SensorFilter{Status: smartmaint.SensorInactive}))
	checkPages(t, "FindSensors IDs", []string{"amb-temp", "pump-vib"}, listIDs(smartmaint.SensorFilter{IDs: []string{"pump-vib", "amb-temp", "nope"}}))
	_, _, err := e.s.FindSensors(e.ctx, smartmaint.SensorFilter{Limit: smartmaint.MaxPageSize + 1})
	wantCode(t, "FindSensors limit too large", err, smartmaint.EINVALID)
}

// testDeleteSensor checks that deleting a sensor removes its readings,
// rollups and statistics, and that a sensor created again with the same ID
// starts empty.
func testDeleteSensor(t *testing.T, e *env) {
	rs := []smartmaint.Reading{reading("pump-vib", at(-2*time.Hour), 1), reading("pump-vib", at(-time.Hour), 2)}
	e.write(e.ctx, rs)
	e.write(e.ctx, []smartmaint.Reading{reading("amb-temp", at(-time.Hour), 20)})
	e.refresh()
	if err := e.s.DeleteSensor(e.ctx, "pump-vib"); err != nil {
		t.Fatalf("DeleteSensor: %v", err)
	}
	_, err := e.s.FindSensorByID(e.ctx, "pump-vib")
	wantCode(t, "deleted sensor", err, smartmaint.ENOTFOUND)
	wantCode(t, "DeleteSensor twice", e.s.DeleteSensor(e.ctx, "pump-vib"), smartmaint.ENOTFOUND)
	if got := e.readings(e.ctx, smartmaint.ReadingFilter{SensorIDs: []string{"pump-vib"}}); len(got) != 0 {
		t.Fatalf("readings of a deleted sensor: %d", len(got))
	}
	if got := e.readings(e.ctx, smartmaint.ReadingFilter{}); len(got) != 1 || got[0].SensorID != "amb-temp" {
		t.Fatalf("readings after DeleteSensor: %d", len(got))
	}
	if err := e.s.CreateSensor(e.ctx, &smartmaint.Sensor{ID: "pump-vib", Type: "vibration"}); err != nil {
		t.Fatalf("CreateSensor again: %v", err)
	}
	if st := e.sensor(e.ctx, "pump-vib").Stats; st.ReadingCount != 0 || st.LastReadingAt != nil {
		t.Fatalf("recreated sensor has stats %+v", st)
	}
	ser := e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "pump-vib", From: at(-3 * time.Hour), To: Epoch, Step: time.Hour})
	if len(ser.Buckets) != 0 {
		t.Fatalf("recreated sensor inherits rollups: %+v", ser.Buckets)
	}
	ser = e.series(e.ctx, smartmaint.SeriesQuery{SensorID: "pump-vib", From: at(-3 * time.Hour), To: Epoch, Step: time.Minute})
	if len(ser.Buckets) != 0 {
		t.Fatalf("recreated sensor inherits minute rollups: %+v", ser.Buckets)
	}
}
