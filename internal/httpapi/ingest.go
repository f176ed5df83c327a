package httpapi

import (
	"net/http"
	"strconv"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// ingestOne is the original POST /api/v1/data/ingest: one reading, stored
// before the answer, honouring Idempotency-Key.
func (s *Server) ingestOne(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	if err := noQuery(r); err != nil {
		return err
	}
	s.metrics.ingestRequests.WithLabelValues("single", "json").Inc()
	body := http.MaxBytesReader(w, r.Body, maxJSONBody) // one reading needs far less than a batch
	res, err := s.ingest.IngestOne(r.Context(), body, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.countRejected(err)
		return err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else if res.Status == ingest.StatusDuplicate {
		s.metrics.ingestReadings.WithLabelValues("duplicate").Inc()
	} else {
		s.metrics.ingestReadings.WithLabelValues("stored").Inc()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Raw)
	return nil
}

// ingestBatch is POST /api/v1/data/batch: a JSON array, NDJSON or CSV body.
// Good readings are stored and rejected ones listed, unless atomic=true makes
// the request all-or-nothing.
func (s *Server) ingestBatch(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	atomic := q.bool("atomic")
	if err := q.done(); err != nil {
		return err
	}
	format, err := ingest.FormatForContentType(r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	s.metrics.ingestRequests.WithLabelValues("batch", formatLabel(format)).Inc()
	if r.ContentLength > s.ingest.Limits().MaxBytes {
		return smartmaint.Errorf(smartmaint.ETOOLARGE, "The body is %d bytes; the limit is %d.", r.ContentLength, s.ingest.Limits().MaxBytes)
	}
	res, err := s.ingest.IngestBatch(r.Context(), r.Body, r.Header.Get("Content-Type"), atomic)
	if err != nil {
		s.countRejected(err)
		return err
	}
	s.metrics.ingestReadings.WithLabelValues("stored").Add(float64(res.Accepted - res.Duplicates))
	s.metrics.ingestReadings.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	s.metrics.ingestReadings.WithLabelValues("rejected").Add(float64(res.RejectedCount))
	w.Header().Set("X-Readings-Accepted", strconv.Itoa(res.Accepted))
	return ok(w, res)
}

// countRejected counts the readings an ingest error refused.
func (s *Server) countRejected(err error) {
	if n := len(smartmaint.ErrorDetails(err)); n > 0 {
		s.metrics.ingestReadings.WithLabelValues("rejected").Add(float64(n))
	}
}

func formatLabel(f ingest.Format) string {
	switch f {
	case ingest.FormatNDJSON:
		return "ndjson"
	case ingest.FormatCSV:
		return "csv"
	}
	return "json"
}

// noQuery refuses query parameters on routes that take none, so that a
// misspelt option is not silently ignored.
func noQuery(r *http.Request) error {
	return newQuery(r).done()
}

// readingInput documents the fields of one reading in a request body; the
// ingest service parses bodies itself.
type readingInput struct {
	SensorID      string         `json:"sensor_id"`
	Value         float64        `json:"value"`
	Timestamp     string         `json:"timestamp"`
	SensorType    string         `json:"sensor_type"`
	Unit          string         `json:"unit"`
	Quality       float64        `json:"quality"`
	CorrelationID string         `json:"correlation_id"`
	Metadata      map[string]any `json:"metadata"`
}
