package httpapi

import (
	"net/http"
	"time"

	"smartmaint"
)

// sensorInput is the writable part of a sensor.
type sensorInput struct {
	ID               string                 `json:"sensor_id"`
	AssetID          string                 `json:"asset_id"`
	Name             string                 `json:"name"`
	Type             string                 `json:"sensor_type"`
	Unit             string                 `json:"unit"`
	Location         string                 `json:"location"`
	Status           string                 `json:"status"`
	Description      string                 `json:"description"`
	ExpectedMin      *float64               `json:"expected_min"`
	ExpectedMax      *float64               `json:"expected_max"`
	SamplingInterval float64                `json:"sampling_interval_seconds"`
	Alarms           smartmaint.AlarmLimits `json:"alarm_limits"`
	Metadata         map[string]any         `json:"metadata"`
}

// sensorPatch is a sensor update; expected_min and expected_max can be
// cleared with null.
type sensorPatch struct {
	AssetID          *string                 `json:"asset_id"`
	Name             *string                 `json:"name"`
	Type             *string                 `json:"sensor_type"`
	Unit             *string                 `json:"unit"`
	Location         *string                 `json:"location"`
	Status           *string                 `json:"status"`
	Description      *string                 `json:"description"`
	ExpectedMin      nullable[float64]       `json:"expected_min"`
	ExpectedMax      nullable[float64]       `json:"expected_max"`
	SamplingInterval *float64                `json:"sampling_interval_seconds"`
	Alarms           *smartmaint.AlarmLimits `json:"alarm_limits"`
	Metadata         *map[string]any         `json:"metadata"`
}

func (s *Server) listSensors(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	limit, offset := pageParams(q)
	f := smartmaint.SensorFilter{AssetID: q.str("asset_id"), Type: q.str("sensor_type"), Status: q.str("status"), Limit: limit, Offset: offset}
	if err := q.done(); err != nil {
		return err
	}
	sensors, total, err := s.store.FindSensors(r.Context(), f)
	if err != nil {
		return err
	}
	return ok(w, page[*smartmaint.Sensor]{Items: nonNil(sensors), Total: total, Limit: limit, Offset: offset})
}

func (s *Server) createSensor(w http.ResponseWriter, r *http.Request) error {
	var in sensorInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sn := &smartmaint.Sensor{
		ID: in.ID, AssetID: in.AssetID, Name: in.Name, Type: smartmaint.NormalizeSensorType(in.Type), Unit: in.Unit,
		Location: in.Location, Status: in.Status, Description: in.Description,
		ExpectedMin: in.ExpectedMin, ExpectedMax: in.ExpectedMax, SamplingInterval: in.SamplingInterval,
		Alarms: in.Alarms, Metadata: in.Metadata,
	}
	if sn.Type == "" {
		sn.Type = smartmaint.InferSensorType(sn.ID)
	}
	if err := s.store.CreateSensor(r.Context(), sn); err != nil {
		return err
	}
	return created(w, sn)
}

func (s *Server) getSensor(w http.ResponseWriter, r *http.Request) error {
	sn, err := s.store.FindSensorByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, sn)
}

func (s *Server) updateSensor(w http.ResponseWriter, r *http.Request) error {
	var p sensorPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	upd := smartmaint.SensorUpdate{
		AssetID: p.AssetID, Name: p.Name, Type: p.Type, Unit: p.Unit, Location: p.Location, Status: p.Status,
		Description: p.Description, ExpectedMin: p.ExpectedMin.ptr(), ExpectedMax: p.ExpectedMax.ptr(),
		SamplingInterval: p.SamplingInterval, Alarms: p.Alarms, Metadata: p.Metadata,
	}
	if upd.Type != nil {
		t := smartmaint.NormalizeSensorType(*upd.Type)
		upd.Type = &t
	}
	sn, err := s.store.UpdateSensor(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		return err
	}
	return ok(w, sn)
}

func (s *Server) deleteSensor(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteSensor(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// sensorSummary is the original system's /sensors/sensors row.
type sensorSummary struct {
	SensorID     string     `json:"sensor_id"`
	ReadingCount int64      `json:"reading_count"`
	LastReading  *time.Time `json:"last_reading"`
	FirstReading *time.Time `json:"first_reading"`
}

// listSensorSummaries keeps the original GET /api/v1/sensors/sensors shape,
// served from the maintained statistics rather than a scan of the readings.
func (s *Server) listSensorSummaries(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	limit := q.int("limit", smartmaint.MaxPageSize, 1, smartmaint.MaxPageSize)
	offset := q.int("offset", 0, 0, 1<<31-1)
	if err := q.done(); err != nil {
		return err
	}
	sensors, _, err := s.store.FindSensors(r.Context(), smartmaint.SensorFilter{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := make([]sensorSummary, len(sensors))
	for i, sn := range sensors {
		out[i] = sensorSummary{SensorID: sn.ID, ReadingCount: sn.Stats.ReadingCount, LastReading: sn.Stats.LastReadingAt, FirstReading: sn.Stats.FirstReadingAt}
	}
	return ok(w, out)
}
