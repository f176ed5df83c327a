package ingest

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/google/uuid"

	"smartmaint"
)

// BatchResult reports what IngestBatch did; it is the JSON body of a batch
// response.
type BatchResult struct {
	// Accepted counts the valid readings, all committed: new ones and those
	// already stored (Duplicates), whose first write wins.
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// RejectedCount counts every rejected reading; Rejected lists the
	// problems of the first of them (at most Options.MaxRejected entries,
	// ordered by position; a reading may have several).
	RejectedCount int                     `json:"rejected_count"`
	Rejected      []smartmaint.FieldError `json:"rejected"`
	// NewSensors lists the sensors the batch registered.
	NewSensors    []string `json:"new_sensors"`
	CorrelationID string   `json:"correlation_id"`
}

// rejection is a rejected item's problem with its place in the body.
type rejection struct {
	seq int // order of the item in the body
	fe  smartmaint.FieldError
}

// batch collects one request's readings and rejections. Its slices are
// reused from request to request (Service.batches); out, the readings handed
// to the store, is allocated at its exact size for each request.
type batch struct {
	env      *env
	max      int                  // cap of each rejection list
	readings []smartmaint.Reading // valid readings as decoded
	seqs     []int32              // seq of each reading
	places   []place              // Index/Line of each reading, for late rejections
	rejected []rejection
	count    int // rejected readings
	seq      int
	out      []smartmaint.Reading // scored readings to write
}

// maxPooledReadings bounds the scratch space a pooled batch keeps.
const maxPooledReadings = 1 << 17

func (s *Service) getBatch(e *env) *batch {
	b, _ := s.batches.Get().(*batch)
	if b == nil {
		b = &batch{}
	}
	*b = batch{env: e, max: s.opts.MaxRejected, readings: b.readings[:0], seqs: b.seqs[:0], places: b.places[:0]}
	return b
}

func (s *Service) putBatch(b *batch) {
	if cap(b.readings) > maxPooledReadings {
		return
	}
	clear(b.readings) // drop references to metadata and strings
	b.env, b.rejected, b.out = nil, nil, nil
	s.batches.Put(b)
}

type place struct{ index, line int32 }

func (b *batch) reject(seq int, details []smartmaint.FieldError, readings int) {
	b.count += readings
	for _, d := range details {
		if len(b.rejected) < b.max {
			b.rejected = append(b.rejected, rejection{seq, d})
		}
	}
}

// add validates a decoded item and keeps it or rejects it.
func (b *batch) add(it *Item) {
	seq := b.seq
	b.seq++
	if err := b.env.check(it); err != nil {
		b.reject(seq, positioned(smartmaint.ErrorDetails(err), it.Index, it.Line), 1)
		return
	}
	b.readings = append(b.readings, it.Reading)
	b.seqs = append(b.seqs, int32(seq))
	b.places = append(b.places, place{int32(it.Index), int32(it.Line)})
}

// positioned sets the item's position on each detail.
func positioned(details []smartmaint.FieldError, index, line int) []smartmaint.FieldError {
	for i := range details {
		if index >= 0 {
			details[i].Index = &index
		} else {
			details[i].Line = line
		}
	}
	return details
}

// IngestBatch ingests a batch body (contentType selects JSON array, NDJSON or
// CSV) for the tenant in ctx. Valid readings are written with one store call
// and invalid ones listed in the result; with atomic, any rejection stores
// nothing. It returns an EINVALID error (whose details list the problems)
// when nothing is valid, when atomic and something was rejected, or when the
// body is malformed; ETOOLARGE over the limits; EUNSUPPORTED for an unknown
// content type. Store errors are returned unchanged.
func (s *Service) IngestBatch(ctx context.Context, body io.Reader, contentType string, atomic bool) (*BatchResult, error) {
	tenantID, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	format, err := FormatForContentType(contentType)
	if err != nil {
		return nil, err
	}
	e, err := s.newEnv(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	b := s.getBatch(e)
	defer s.putBatch(b)
	if err := s.decodeBatch(body, format, b); err != nil {
		return nil, err
	}
	late, err := s.scoreBatch(ctx, tenantID, b)
	if err != nil {
		return nil, err
	}
	b.rejected = mergeRejections(b.rejected, late, b.max)
	if err := checkBatch(b, atomic); err != nil {
		return nil, err
	}
	res, err := s.store.WriteReadings(ctx, b.out, smartmaint.WriteOptions{})
	if err != nil {
		return nil, err
	}
	s.forget(tenantID, res.NewSensors)
	out := &BatchResult{Accepted: len(b.out), Duplicates: res.Duplicates, RejectedCount: b.count,
		Rejected: details(b.rejected), NewSensors: res.NewSensors, CorrelationID: correlationID(ctx, "")}
	if out.NewSensors == nil {
		out.NewSensors = []string{}
	}
	s.opts.Logger.DebugContext(ctx, "ingest batch", "tenant", tenantID, "format", format.String(),
		"accepted", out.Accepted, "duplicates", out.Duplicates, "rejected", out.RejectedCount)
	return out, nil
}

// decodeBatch decodes and validates the body into b.
func (s *Service) decodeBatch(body io.Reader, format Format, b *batch) error {
	dec := s.decoder(body, format)
	defer s.release(dec)
	var it Item
	for {
		err := dec.Next(&it)
		if err == nil {
			b.add(&it)
			continue
		}
		if err == io.EOF {
			return nil
		}
		ie, ok := err.(*ItemError)
		if !ok {
			return err
		}
		b.reject(b.seq, ie.Details, ie.Readings)
		b.seq++
	}
}

// scoreBatch looks up the batch's sensors, rejects readings of
// decommissioned sensors and scores the others. It returns the rejections.
func (s *Service) scoreBatch(ctx context.Context, tenantID string, b *batch) ([]rejection, error) {
	ids := make(map[string]*sensorInfo)
	for i := range b.readings {
		if id := b.readings[i].SensorID; ids[id] == nil {
			ids[id] = &sensorInfo{}
		}
	}
	if err := s.lookupSensors(ctx, tenantID, ids, b.env.now); err != nil {
		return nil, err
	}
	var late []rejection
	b.out = make([]smartmaint.Reading, 0, len(b.readings))
	for i := range b.readings {
		r := &b.readings[i]
		info := ids[r.SensorID]
		if info.sensor != nil && info.sensor.Status == smartmaint.SensorDecommissioned {
			b.count++
			if len(late) < b.max {
				p := b.places[i]
				fe := decommissioned(r.SensorID)
				late = append(late, rejection{int(b.seqs[i]), positioned([]smartmaint.FieldError{fe}, int(p.index), int(p.line))[0]})
			}
			continue
		}
		score(r, info, b.env.now)
		b.out = append(b.out, *r)
	}
	return late, nil
}

func decommissioned(id string) smartmaint.FieldError {
	return smartmaint.FieldError{Field: "sensor_id", Reason: fmt.Sprintf("sensor %q is decommissioned; it accepts no readings", id)}
}

// mergeRejections merges two lists ordered by seq and keeps the first max.
func mergeRejections(a, b []rejection, max int) []rejection {
	if len(b) == 0 {
		return a
	}
	all := append(a, b...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	return all[:min(len(all), max)]
}

func details(rs []rejection) []smartmaint.FieldError {
	out := make([]smartmaint.FieldError, len(rs))
	for i, r := range rs {
		out[i] = r.fe
	}
	return out
}

// checkBatch returns the EINVALID error of a batch that must not be written.
func checkBatch(b *batch, atomic bool) error {
	switch {
	case len(b.out) == 0 && b.count == 0:
		return smartmaint.Errorf(smartmaint.EINVALID, "The body holds no readings.")
	case len(b.out) == 0:
		return &smartmaint.Error{Code: smartmaint.EINVALID, Details: details(b.rejected),
			Message: fmt.Sprintf("No reading is valid: %d rejected; nothing stored.", b.count)}
	case atomic && b.count > 0:
		return &smartmaint.Error{Code: smartmaint.EINVALID, Details: details(b.rejected),
			Message: fmt.Sprintf("%d of %d readings rejected; nothing stored (atomic batch).", b.count, b.count+len(b.out))}
	}
	return nil
}

// correlationID returns own, else the request ID in ctx, else a new UUID.
func correlationID(ctx context.Context, own string) string {
	if own != "" {
		return own
	}
	if id := smartmaint.RequestIDFromContext(ctx); id != "" {
		return id
	}
	return uuid.NewString()
}
