package ingest_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"smartmaint"
	"smartmaint/internal/ingest"
)

// decoded is everything a decoder produced for one body.
type decoded struct {
	items    []ingest.Item
	rejected []smartmaint.FieldError
	count    int   // rejected readings
	err      error // request-level error
}

func decodeAll(tb testing.TB, f ingest.Format, body string, lim ingest.Limits) decoded {
	tb.Helper()
	return drain(tb, ingest.NewDecoder(strings.NewReader(body), f, lim))
}

// drain runs a decoder to its end.
func drain(tb testing.TB, dec *ingest.Decoder) decoded {
	tb.Helper()
	var out decoded
	for range 1_000_000 {
		var it ingest.Item
		err := dec.Next(&it)
		var ie *ingest.ItemError
		switch {
		case err == nil:
			out.items = append(out.items, it)
		case err == io.EOF:
			return out
		case errors.As(err, &ie):
			out.rejected = append(out.rejected, ie.Details...)
			out.count += ie.Readings
		default:
			out.err = err
			return out
		}
	}
	tb.Fatal("decoder did not terminate")
	return out
}
