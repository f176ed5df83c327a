package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"smartmaint"
)

// Statuses of a OneResult.
const (
	StatusStored    = "stored"    // the reading was written
	StatusDuplicate = "duplicate" // a reading with the same sensor and timestamp was already stored
)

// MaxIdempotencyKeyBytes bounds an Idempotency-Key.
const MaxIdempotencyKeyBytes = 255

// OneResult reports what IngestOne did; it is the JSON body of the response.
type OneResult struct {
	Status           string    `json:"status"`
	EventID          string    `json:"event_id"`
	CorrelationID    string    `json:"correlation_id"`
	SensorID         string    `json:"sensor_id"`
	Timestamp        time.Time `json:"timestamp"`
	Value            float64   `json:"value"`
	Quality          float64   `json:"quality"`
	SensorRegistered bool      `json:"sensor_registered"`

	// Raw is the JSON body to send. When Replayed, it is the response stored
	// with the Idempotency-Key, byte for byte, and the fields above are
	// decoded from it.
	Raw      []byte `json:"-"`
	Replayed bool   `json:"-"`
}

// DecodeReading decodes one reading object from body, reading at most
// maxBytes (0 means DefaultMaxBytes). Field problems are an EINVALID error
// with one detail per problem; malformed JSON is an EINVALID error naming
// the line and column; a longer body is ETOOLARGE.
func DecodeReading(body io.Reader, maxBytes int64) (Item, error) {
	var p objectParser
	p.in = newInterner()
	return decodeReading(&p, body, maxBytes, nil)
}

func decodeReading(p *objectParser, body io.Reader, maxBytes int64, buf []byte) (Item, error) {
	var src source
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	src.init(body, maxBytes, buf, false)
	for src.fill() {
	}
	if err := src.failed(); err != nil {
		return Item{}, err
	}
	data := src.buf[:src.end]
	if isBlankJSON(data) {
		return Item{}, smartmaint.Errorf(smartmaint.EINVALID, "The body is empty: send a JSON object with sensor_id and value.")
	}
	var it Item
	if !p.parse(data, &it) {
		src.start = 0
		line, col := src.position(p.synOff)
		reason := fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, p.synMsg)
		return Item{}, &smartmaint.Error{Code: smartmaint.EINVALID, Message: "The body is not valid JSON: " + reason + ".",
			Details: []smartmaint.FieldError{{Line: line, Reason: reason}}}
	}
	if len(p.errs) > 0 {
		return Item{}, fieldErrors(append([]smartmaint.FieldError(nil), p.errs...))
	}
	it.Index = -1
	return it, nil
}

func isBlankJSON(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// fieldErrors builds the EINVALID error of one reading's problems.
func fieldErrors(details []smartmaint.FieldError) *smartmaint.Error {
	msg := ""
	for i, d := range details {
		if i > 0 {
			msg += "; "
		}
		if d.Field != "" {
			msg += d.Field + ": "
		}
		msg += d.Reason
	}
	return &smartmaint.Error{Code: smartmaint.EINVALID, Message: msg, Details: details}
}

// IngestOne ingests one reading (a JSON object) for the tenant in ctx. With
// an idempotencyKey, the key and the response are stored in the same
// transaction as the reading, and a key seen within smartmaint.IdempotencyTTL
// returns the stored response (Replayed) without writing. Invalid input is
// EINVALID (a decommissioned sensor included), a body over MaxBytes
// ETOOLARGE; store errors are returned unchanged.
func (s *Service) IngestOne(ctx context.Context, body io.Reader, idempotencyKey string) (*OneResult, error) {
	tenantID, err := smartmaint.RequireTenant(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateIdempotencyKey(idempotencyKey); err != nil {
		return nil, err
	}
	e, err := s.newEnv(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	it, err := s.decodeOne(body)
	if err != nil {
		return nil, err
	}
	if err := e.check(&it); err != nil {
		return nil, err
	}
	r := &it.Reading
	ids := map[string]*sensorInfo{r.SensorID: {}}
	if err := s.lookupSensors(ctx, tenantID, ids, e.now); err != nil {
		return nil, err
	}
	info := ids[r.SensorID]
	if info.sensor != nil && info.sensor.Status == smartmaint.SensorDecommissioned {
		return nil, fieldErrors([]smartmaint.FieldError{decommissioned(r.SensorID)})
	}
	score(r, info, e.now)
	out := &OneResult{EventID: uuid.NewString(), CorrelationID: correlationID(ctx, it.CorrelationID),
		SensorID: r.SensorID, Timestamp: r.Time, Value: r.Value, Quality: r.Quality}
	return s.writeOne(ctx, tenantID, *r, idempotencyKey, out)
}

// decodeOne decodes a single reading with a pooled parser.
func (s *Service) decodeOne(body io.Reader) (Item, error) {
	d := s.decoder(nil, FormatJSON)
	defer s.release(d)
	return decodeReading(&d.p, body, s.lim.MaxBytes, d.src.buf)
}

// writeOne writes the reading and builds the response, inside the store's
// transaction when there is an idempotency key.
func (s *Service) writeOne(ctx context.Context, tenantID string, r smartmaint.Reading, key string, out *OneResult) (*OneResult, error) {
	respond := func(res smartmaint.WriteResult) ([]byte, error) {
		out.Status = StatusStored
		if res.Duplicates > 0 {
			out.Status = StatusDuplicate
		}
		out.SensorRegistered = len(res.NewSensors) > 0
		out.Raw = out.appendJSON(make([]byte, 0, 256))
		return out.Raw, nil
	}
	opts := smartmaint.WriteOptions{}
	if key != "" {
		opts = smartmaint.WriteOptions{IdempotencyKey: key, Response: respond}
	}
	res, err := s.store.WriteReadings(ctx, []smartmaint.Reading{r}, opts)
	if err != nil {
		return nil, err
	}
	s.forget(tenantID, res.NewSensors)
	if res.Replayed != nil {
		replay := &OneResult{}
		if err := json.Unmarshal(res.Replayed, replay); err != nil {
			replay = &OneResult{} // an unexpected stored body is still sent as stored
		}
		replay.Raw, replay.Replayed = res.Replayed, true
		return replay, nil
	}
	if out.Raw == nil {
		respond(res)
	}
	return out, nil
}

// validateIdempotencyKey accepts 1 to 255 printable ASCII characters (or no
// key at all).
func validateIdempotencyKey(key string) error {
	if len(key) > MaxIdempotencyKeyBytes {
		return smartmaint.FieldErrorf("Idempotency-Key", "is %d bytes long; the maximum is %d", len(key), MaxIdempotencyKeyBytes)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return smartmaint.FieldErrorf("Idempotency-Key", "contains byte 0x%02x at %d; use printable ASCII", c, i)
		}
	}
	return nil
}
