package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"smartmaint"
)

// Pusher sends readings to a running smartmaint server through the ingest
// path: POST BaseURL/api/v1/data/batch with an NDJSON body.
type Pusher struct {
	BaseURL string // e.g. "http://127.0.0.1:8080"
	APIKey  string // sent as "Authorization: Bearer <key>" when set
	// Client sends the requests; nil means a client with a 60 s timeout.
	Client *http.Client
	// BatchSize is the number of readings per request; 0 means 10000.
	BatchSize int
	// MaxAttempts bounds the tries of one request on transient failures
	// (connection errors, 429, 502, 503, 504); 0 means 8.
	MaxAttempts int
	// Backoff is the first pause between tries, doubled each time up to
	// 10 s, or the server's Retry-After when that is longer; 0 means 250 ms.
	Backoff time.Duration

	accepted, duplicates atomic.Int64
}

// Push sends the batch in requests of BatchSize readings, retrying transient
// failures with backoff until ctx is done. A 4xx answer is returned at once
// as an error carrying the server's code and message (a 413 first splits the
// request in halves); a 2xx answer that rejected readings is an EINVALID
// error listing the rejections.
func (p *Pusher) Push(ctx context.Context, batch []smartmaint.Reading) error {
	if u, err := url.Parse(p.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return smartmaint.FieldErrorf("base_url", "must be an http:// or https:// URL with a host, got %q", p.BaseURL)
	}
	size := p.BatchSize
	if size <= 0 {
		size = 10000
	}
	for len(batch) > 0 {
		n := min(size, len(batch))
		if err := p.send(ctx, batch[:n]); err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}

// Accepted returns how many readings the server accepted, and how many of
// those it already had (duplicates), over every Push so far.
func (p *Pusher) Accepted() (accepted, duplicates int64) {
	return p.accepted.Load(), p.duplicates.Load()
}

// send posts one request, splitting it when the server finds it too large.
func (p *Pusher) send(ctx context.Context, batch []smartmaint.Reading) error {
	body := AppendNDJSON(nil, batch)
	status, resp, err := p.post(ctx, body)
	if err != nil {
		return err
	}
	if status == http.StatusRequestEntityTooLarge && len(batch) > 1 {
		half := len(batch) / 2
		if err := p.send(ctx, batch[:half]); err != nil {
			return err
		}
		return p.send(ctx, batch[half:])
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("sim: push: server answered %d: %w", status, serverError(status, resp))
	}
	var res struct {
		Accepted      int                     `json:"accepted"`
		Duplicates    int                     `json:"duplicates"`
		RejectedCount int                     `json:"rejected_count"`
		Rejected      []smartmaint.FieldError `json:"rejected"`
	}
	if json.Unmarshal(resp, &res) != nil {
		res.Accepted = len(batch) // a 2xx without the usual body: trust it
	}
	p.accepted.Add(int64(res.Accepted))
	p.duplicates.Add(int64(res.Duplicates))
	if res.RejectedCount > 0 {
		return fmt.Errorf("sim: push: %w", &smartmaint.Error{Code: smartmaint.EINVALID, Details: res.Rejected,
			Message: fmt.Sprintf("the server rejected %d of %d readings", res.RejectedCount, len(batch))})
	}
	return nil
}

// post sends body, retrying transient failures; it returns the final status
// and body, or an error when ctx ends or the tries run out.
func (p *Pusher) post(ctx context.Context, body []byte) (int, []byte, error) {
	attempts, delay := p.MaxAttempts, p.Backoff
	if attempts <= 0 {
		attempts = 8
	}
	if delay <= 0 {
		delay = 250 * time.Millisecond
	}
	var last error
	for try := 1; ; try++ {
		status, resp, retryAfter, err := p.do(ctx, body)
		switch {
		case ctx.Err() != nil:
			return 0, nil, fmt.Errorf("sim: push: %w", ctx.Err())
		case err != nil:
			last = fmt.Errorf("sim: push: %w", err)
		case transient(status):
			last = fmt.Errorf("sim: push: server answered %d: %w", status, serverError(status, resp))
		default:
			return status, resp, nil
		}
		if try >= attempts {
			return 0, nil, fmt.Errorf("%w (gave up after %d tries)", last, try)
		}
		if err := sleep(ctx, max(delay, retryAfter)); err != nil {
			return 0, nil, fmt.Errorf("sim: push: %w", err)
		}
		delay = min(2*delay, 10*time.Second)
	}
}

func (p *Pusher) do(ctx context.Context, body []byte) (status int, resp []byte, retryAfter time.Duration, err error) {
	endpoint := strings.TrimRight(p.BaseURL, "/") + "/api/v1/data/batch"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "smartmaint-sim")
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer res.Body.Close()
	resp, err = io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, 0, err
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = min(time.Duration(s)*time.Second, time.Minute)
	}
	return res.StatusCode, resp, retryAfter, nil
}

func transient(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// serverError turns an error response into a *smartmaint.Error: the API's
// {"error": {"code", "message", "details"}} shape when present, else the
// start of the body.
func serverError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string                  `json:"code"`
			Message string                  `json:"message"`
			Details []smartmaint.FieldError `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		code := e.Error.Code
		if code == "" {
			code = smartmaint.EINTERNAL
		}
		return &smartmaint.Error{Code: code, Message: e.Error.Message, Details: e.Error.Details}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	if text == "" {
		text = http.StatusText(status)
	}
	return errors.New(text)
}

// AppendNDJSON appends the readings to dst as NDJSON, one object per line
// with the ingest field names: sensor_id, timestamp (RFC 3339, microseconds,
// UTC), value, quality, sensor_type and unit when set, metadata when set.
func AppendNDJSON(dst []byte, readings []smartmaint.Reading) []byte {
	for i := range readings {
		r := &readings[i]
		dst = append(dst, `{"sensor_id":`...)
		dst = appendJSONString(dst, r.SensorID)
		dst = append(dst, `,"timestamp":"`...)
		dst = r.Time.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
		dst = append(dst, `","value":`...)
		dst = appendJSONFloat(dst, r.Value)
		dst = append(dst, `,"quality":`...)
		dst = appendJSONFloat(dst, r.Quality)
		if r.SensorType != "" {
			dst = append(dst, `,"sensor_type":`...)
			dst = appendJSONString(dst, r.SensorType)
		}
		if r.Unit != "" {
			dst = append(dst, `,"unit":`...)
			dst = appendJSONString(dst, r.Unit)
		}
		if len(r.Metadata) > 0 {
			dst = append(dst, `,"metadata":`...)
			dst = append(dst, r.Metadata...)
		}
		dst = append(dst, "}\n"...)
	}
	return dst
}

// appendJSONFloat formats like encoding/json; NaN and ±Inf, which JSON cannot
// carry, become null and the server rejects them.
func appendJSONFloat(dst []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, v, format, -1, 64)
}

func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(dst, '"')
}
