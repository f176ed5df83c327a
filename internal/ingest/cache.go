package ingest

import (
	"context"
	"sync"
	"time"

	"smartmaint"
)

// maxCachedSensors bounds the sensor cache of one tenant; past it the cache
// starts over.
const maxCachedSensors = 100_000

// tenantCache holds one tenant's recent lookups.
type tenantCache struct {
	mu       sync.Mutex
	limits   smartmaint.ReadingLimits
	limitsAt time.Time
	sensors  map[string]cachedSensor
}

// cachedSensor is a sensor as last looked up; sensor is nil when the tenant
// had no such sensor.
type cachedSensor struct {
	sensor *smartmaint.Sensor
	at     time.Time
}

// sensorInfo is what scoring needs about one sensor of a request.
type sensorInfo struct {
	sensor   *smartmaint.Sensor // nil: unknown, registered by the write
	inferred string             // type inferred from the ID, for unknown sensors
}

func (s *Service) tenant(id string) *tenantCache {
	s.mu.Lock()
	defer s.mu.Unlock()
	tc := s.tenants[id]
	if tc == nil {
		tc = &tenantCache{sensors: make(map[string]cachedSensor)}
		s.tenants[id] = tc
	}
	return tc
}

// readingLimits returns the tenant's reading limits: MaxAge from its raw
// retention, MaxFuture from the options.
func (s *Service) readingLimits(ctx context.Context, tenantID string, now time.Time) (smartmaint.ReadingLimits, error) {
	tc := s.tenant(tenantID)
	tc.mu.Lock()
	if !tc.limitsAt.IsZero() && now.Sub(tc.limitsAt) < s.opts.SensorCacheTTL {
		lim := tc.limits
		tc.mu.Unlock()
		return lim, nil
	}
	tc.mu.Unlock()
	t, err := s.store.FindTenantByID(ctx, tenantID)
	if err != nil {
		return smartmaint.ReadingLimits{}, err
	}
	lim := smartmaint.DefaultReadingLimits()
	if t.RawRetentionDays > 0 {
		lim.MaxAge = time.Duration(t.RawRetentionDays) * 24 * time.Hour
	}
	lim.MaxFuture = s.opts.MaxFuture
	tc.mu.Lock()
	tc.limits, tc.limitsAt = lim, now
	tc.mu.Unlock()
	return lim, nil
}

// lookupSensors returns what scoring needs about each of the sensor IDs,
// from the cache or, for IDs missing or older than the TTL, from the store
// (one FindSensors call per smartmaint.MaxPageSize IDs).
func (s *Service) lookupSensors(ctx context.Context, tenantID string, ids map[string]*sensorInfo, now time.Time) error {
	tc := s.tenant(tenantID)
	var missing []string
	tc.mu.Lock()
	for id, info := range ids {
		if c, ok := tc.sensors[id]; ok && now.Sub(c.at) < s.opts.SensorCacheTTL {
			info.sensor = c.sensor
		} else {
			missing = append(missing, id)
		}
	}
	tc.mu.Unlock()
	for len(missing) > 0 {
		chunk := missing[:min(len(missing), smartmaint.MaxPageSize)]
		missing = missing[len(chunk):]
		found, _, err := s.store.FindSensors(ctx, smartmaint.SensorFilter{IDs: chunk, Limit: len(chunk)})
		if err != nil {
			return err
		}
		byID := make(map[string]*smartmaint.Sensor, len(found))
		for _, sn := range found {
			byID[sn.ID] = sn
		}
		tc.mu.Lock()
		if len(tc.sensors)+len(chunk) > maxCachedSensors {
			clear(tc.sensors)
		}
		for _, id := range chunk {
			sn := byID[id]
			tc.sensors[id] = cachedSensor{sensor: sn, at: now}
			ids[id].sensor = sn
		}
		tc.mu.Unlock()
	}
	for id, info := range ids {
		if info.sensor == nil {
			info.inferred = smartmaint.InferSensorType(id)
		}
	}
	return nil
}

// forget drops cached sensors, so that the next request looks them up again
// (used for the sensors a write registered).
func (s *Service) forget(tenantID string, ids []string) {
	if len(ids) == 0 {
		return
	}
	tc := s.tenant(tenantID)
	tc.mu.Lock()
	for _, id := range ids {
		delete(tc.sensors, id)
	}
	tc.mu.Unlock()
}
