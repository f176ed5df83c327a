package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smartmaint"
)

// readingPublic is the original system's SensorReadingPublic row.
type readingPublic struct {
	SensorID   string          `json:"sensor_id"`
	SensorType string          `json:"sensor_type"`
	Value      float64         `json:"value"`
	Unit       string          `json:"unit"`
	Timestamp  time.Time       `json:"timestamp"`
	Quality    float64         `json:"quality"`
	Metadata   json.RawMessage `json:"sensor_metadata"`
}

// listReadings keeps the original GET /api/v1/sensors/readings: limit 1–1000,
// offset, sensor_id, start_ts and end_ts (inclusive), newest first. Deep pages
// use the cursor from the X-Next-Cursor header instead of offset.
func (s *Server) listReadings(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := smartmaint.ReadingFilter{
		Limit:  q.int("limit", smartmaint.DefaultPageSize, 1, smartmaint.MaxPageSize),
		Offset: q.int("offset", 0, 0, 1<<31-1),
		Start:  q.time("start_ts"),
		End:    q.time("end_ts"),
	}
	if id := q.str("sensor_id"); id != "" {
		f.SensorIDs = []string{id}
	}
	if c := q.str("cursor"); c != "" {
		cur, err := decodeCursor(c)
		if err != nil {
			q.fail("cursor", "is not a cursor returned by this endpoint")
		}
		f.After = cur
	}
	if err := q.done(); err != nil {
		return err
	}
	if !f.Start.IsZero() && !f.End.IsZero() && f.End.Before(f.Start) {
		return smartmaint.FieldErrorf("end_ts", "must not be before start_ts")
	}
	readings, err := s.store.FindReadings(r.Context(), f)
	if err != nil {
		return err
	}
	out, err := s.publicReadings(r, readings)
	if err != nil {
		return err
	}
	if len(readings) == f.Limit {
		last := readings[len(readings)-1]
		next := encodeCursor(smartmaint.ReadingCursor{Time: last.Time, SensorID: last.SensorID})
		w.Header().Set("X-Next-Cursor", next)
		w.Header().Set("Link", "<"+nextPageURL(r, next)+`>; rel="next"`)
	}
	return ok(w, out)
}

// publicReadings adds each reading's sensor type and unit.
func (s *Server) publicReadings(r *http.Request, readings []*smartmaint.Reading) ([]readingPublic, error) {
	ids := make([]string, 0, 8)
	seen := map[string]bool{}
	for _, rd := range readings {
		if !seen[rd.SensorID] {
			seen[rd.SensorID] = true
			ids = append(ids, rd.SensorID)
		}
	}
	sensors := map[string]*smartmaint.Sensor{}
	if len(ids) > 0 {
		found, _, err := s.store.FindSensors(r.Context(), smartmaint.SensorFilter{IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, err
		}
		for _, sn := range found {
			sensors[sn.ID] = sn
		}
	}
	out := make([]readingPublic, len(readings))
	for i, rd := range readings {
		p := readingPublic{SensorID: rd.SensorID, Value: rd.Value, Timestamp: rd.Time.UTC(), Quality: rd.Quality, Metadata: rd.Metadata}
		if sn := sensors[rd.SensorID]; sn != nil {
			p.SensorType, p.Unit = sn.Type, sn.Unit
		}
		out[i] = p
	}
	return out, nil
}

func encodeCursor(c smartmaint.ReadingCursor) string {
	raw := strconv.FormatInt(c.Time.UnixMicro(), 10) + "|" + c.SensorID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string) (*smartmaint.ReadingCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	ts, id, found := strings.Cut(string(raw), "|")
	if !found {
		return nil, strconv.ErrSyntax
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, err
	}
	if err := smartmaint.ValidateID("cursor", id); err != nil {
		return nil, err
	}
	return &smartmaint.ReadingCursor{Time: time.UnixMicro(us).UTC(), SensorID: id}, nil
}

func nextPageURL(r *http.Request, cursor string) string {
	v := r.URL.Query()
	v.Del("offset")
	v.Set("cursor", cursor)
	u := url.URL{Path: r.URL.Path, RawQuery: v.Encode()}
	return u.String()
}

// defaultSeriesSpan is the range of a series request without from.
const defaultSeriesSpan = 24 * time.Hour

// getSeries answers GET /api/v1/sensors/{id}/series with buckets read from the
// rollup that fits the requested step.
func (s *Server) getSeries(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	sq := smartmaint.SeriesQuery{
		SensorID:  r.PathValue("id"),
		From:      q.time("from"),
		To:        q.time("to"),
		MaxPoints: q.int("max_points", smartmaint.DefaultMaxPoints, 1, smartmaint.MaxMaxPoints),
	}
	switch step := q.str("step"); step {
	case "", "auto":
	case "raw":
		sq.Raw = true
	default:
		d, err := parseStep(step)
		if err != nil {
			q.fail("step", "must be auto, raw or a duration such as 30s, 5m, 1h or 1d, got %q", step)
		}
		sq.Step = d
	}
	if err := q.done(); err != nil {
		return err
	}
	if sq.To.IsZero() {
		sq.To = s.cfg.Now().UTC()
	}
	if sq.From.IsZero() {
		sq.From = sq.To.Add(-defaultSeriesSpan)
	}
	series, err := s.store.FindSeries(r.Context(), sq)
	if err != nil {
		return err
	}
	return ok(w, series)
}
