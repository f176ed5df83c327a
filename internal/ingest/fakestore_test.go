package ingest_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"smartmaint"
)

// fakeStore is an in-memory stand-in for the parts of smartmaint.Store the
// ingest service uses: tenants, sensor lookups and WriteReadings with
// idempotency keys. Other methods panic (the embedded interface is nil).
type fakeStore struct {
	smartmaint.Store

	mu       sync.Mutex
	now      func() time.Time
	tenants  map[string]*smartmaint.Tenant
	sensors  map[string]*smartmaint.Sensor // by tenant/id
	readings map[string]smartmaint.Reading // by tenant/sensor/time
	keys     map[string]storedKey          // by tenant/key
	writes   int                           // WriteReadings calls that wrote
	finds    int                           // FindSensors calls
	failWith error                         // returned by WriteReadings when set
}

type storedKey struct {
	response []byte
	at       time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{
		now:      now,
		tenants:  map[string]*smartmaint.Tenant{smartmaint.DefaultTenantID: {ID: smartmaint.DefaultTenantID, RawRetentionDays: 180}},
		sensors:  map[string]*smartmaint.Sensor{},
		readings: map[string]smartmaint.Reading{},
		keys:     map[string]storedKey{},
	}
}

func (f *fakeStore) addSensor(s smartmaint.Sensor) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sensors[smartmaint.DefaultTenantID+"/"+s.ID] = &s
}

func (f *fakeStore) FindTenantByID(ctx context.Context, id string) (*smartmaint.Tenant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tenants[id]
	if !ok {
		return nil, smartmaint.Errorf(smartmaint.ENOTFOUND, "Tenant not found.")
	}
	c := *t
	return &c, nil
}

func (f *fakeStore) FindSensors(ctx context.Context, filter smartmaint.SensorFilter) ([]*smartmaint.Sensor, int, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds++
	var out []*smartmaint.Sensor
	for _, id := range filter.IDs {
		if s, ok := f.sensors[tenant+"/"+id]; ok {
			c := *s
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *smartmaint.Sensor) int { return compare(a.ID, b.ID) })
	return out, len(out), nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *fakeStore) WriteReadings(ctx context.Context, rs []smartmaint.Reading, opts smartmaint.WriteOptions) (smartmaint.WriteResult, error) {
	tenant, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return smartmaint.WriteResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return smartmaint.WriteResult{}, f.failWith
	}
	if opts.IdempotencyKey != "" {
		if k, ok := f.keys[tenant+"/"+opts.IdempotencyKey]; ok && f.now().Sub(k.at) < smartmaint.IdempotencyTTL {
			return smartmaint.WriteResult{Replayed: k.response}, nil
		}
	}
	var res smartmaint.WriteResult
	for _, r := range rs {
		sk := tenant + "/" + r.SensorID
		if _, ok := f.sensors[sk]; !ok {
			f.sensors[sk] = &smartmaint.Sensor{ID: r.SensorID, Type: r.SensorType, Unit: r.Unit, Status: smartmaint.SensorActive}
			res.NewSensors = append(res.NewSensors, r.SensorID)
		}
		rk := sk + "/" + r.Time.Format(time.RFC3339Nano)
		if _, ok := f.readings[rk]; ok {
			res.Duplicates++
			continue
		}
		f.readings[rk] = r
		res.Inserted++
	}
	if opts.IdempotencyKey != "" && opts.Response != nil {
		body, err := opts.Response(res)
		if err != nil {
			return smartmaint.WriteResult{}, err
		}
		f.keys[tenant+"/"+opts.IdempotencyKey] = storedKey{response: body, at: f.now()}
	}
	f.writes++
	return res, nil
}

func (f *fakeStore) reading(sensorID string, t time.Time) (smartmaint.Reading, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.readings[smartmaint.DefaultTenantID+"/"+sensorID+"/"+t.UTC().Format(time.RFC3339Nano)]
	return r, ok
}

func (f *fakeStore) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.readings)
}

func (f *fakeStore) sensor(id string) *smartmaint.Sensor {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sensors[smartmaint.DefaultTenantID+"/"+id]
}
