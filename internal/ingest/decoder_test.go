package ingest_test

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"smartmaint"
	"smartmaint/internal/ingest"
)

func TestTimestampForms(t *testing.T) {
	want := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2026-06-01T12:00:00Z"`, want},
		{`"2026-06-01t12:00:00z"`, want},
		{`"2026-06-01 12:00:00"`, want}, // no zone: UTC
		{`"2026-06-01T12:00"`, want},
		{`"2026-06-01T14:00:00+02:00"`, want},
		{`"2026-06-01T14:00:00+0200"`, want},
		{`"2026-06-01T07:00:00-05"`, want},
		{`"2026-06-01T12:00:00.1234567Z"`, want.Add(123456 * time.Microsecond)}, // truncated to µs
		{`"2026-06-01T12:00:00,5Z"`, want.Add(500 * time.Millisecond)},
		{`"2026-06-01T00:30:00+01:00"`, time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)},
		{`"2024-02-29T12:00:00Z"`, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
		{`1780315200`, want},
		{`1780315200.123456789`, want.Add(123456 * time.Microsecond)},
		{`1.7803152005e9`, want.Add(500 * time.Millisecond)},
		{`0`, time.Unix(0, 0).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			it, err := ingest.DecodeReading(strings.NewReader(`{"sensor_id":"s","value":1,"timestamp":`+tt.in+`}`), 0)
			if err != nil {
				t.Fatal(err)
			}
			if !it.Reading.Time.Equal(tt.want) || it.Reading.Time.Location() != time.UTC {
				t.Fatalf("time = %v, want %v", it.Reading.Time, tt.want)
			}
		})
	}
}

func TestTimestampRejected(t *testing.T) {
	for _, in := range []string{`"2026-06-01"`, `"2026-06-01T24:00:00Z"`, `"2026-06-01T12:60:00Z"`,
		`"2026-06-01T12:00:60Z"`, `"2023-02-29T12:00:00Z"`, `"2026-06-01T12:00:00+25:00"`, `"2026-06-01T12:00:00."`,
		`"2026-06-01T12:00:00 Z"`, `"26-06-01T12:00:00Z"`, `"1780315200"`, `100000000001`, `-100000000001`} {
		_, err := ingest.DecodeReading(strings.NewReader(`{"sensor_id":"s","value":1,"timestamp":`+in+`}`), 0)
		if smartmaint.ErrorCode(err) != smartmaint.EINVALID || smartmaint.ErrorDetails(err)[0].Field != "timestamp" {
			t.Errorf("%s: err = %v, want a timestamp error", in, err)
		}
	}
}

func TestNumbersMatchStrconv(t *testing.T) {
	for _, lit := range []string{"0", "-0", "1", "23.456", "-0.000123", "1e10", "1.5E-7", "123456789012345678",
		"1234567890123456789012", "0.1", "0.30000000000000004", "9007199254740993", "4.9e-324", "1.7976931348623157e308",
		"2.2250738585072014e-308", "123.456e-5", "1e22", "1e23", "-5e-1"} {
		it, err := ingest.DecodeReading(strings.NewReader(`{"sensor_id":"s","value":`+lit+`}`), 0)
		if err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		want, _ := strconv.ParseFloat(lit, 64)
		if it.Reading.Value != want || math.Signbit(it.Reading.Value) != math.Signbit(want) {
			t.Errorf("%s = %v, want %v", lit, it.Reading.Value, want)
		}
	}
}

func TestDecodeReadingFields(t *testing.T) {
	body := ` { "sensor_id" : "pump\u002d1\/temp", "value": -3.5e1, "quality": 0.25, "unit": "\u00b0C",
		"sensor_type": " SensorType.Temperature ", "correlation_id": "corr-9", "timestamp": null,
		"metadata": {"a": [1, {"b": "x\"y"}], "c": null} } `
	it, err := ingest.DecodeReading(strings.NewReader(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := it.Reading
	if r.SensorID != "pump-1/temp" || r.Value != -35 || r.Quality != 0.25 || r.Unit != "°C" ||
		r.SensorType != "temperature" || it.CorrelationID != "corr-9" || !r.Time.IsZero() {
		t.Fatalf("decoded %+v, correlation %q", r, it.CorrelationID)
	}
	if got := string(r.Metadata); got != `{"a": [1, {"b": "x\"y"}], "c": null}` {
		t.Fatalf("metadata = %s", got)
	}
}

func TestDecodeStringEscapes(t *testing.T) {
	it, err := ingest.DecodeReading(strings.NewReader(`{"sensor_id":"s","value":1,"unit":"\ud83d\ude00 \b\f\n\r\t\u0041\\"}`), 0)
	if err != nil || it.Reading.Unit != "\U0001F600 \b\f\n\r\tA\\" {
		t.Fatalf("unit %q, %v", it.Reading.Unit, err)
	}
	for body, want := range map[string]string{
		`{"sensor_id":"s","value":1,"unit":"\ud800\u0041"}`: "unit: is not valid UTF-8", // high surrogate without its pair
		`{"sensor_id":"s","value":1,"unit":"\udc00"}`:       "unit: is not valid UTF-8", // lone low surrogate
		`{"sensor_id":null,"value":1}`:                      "sensor_id: must be a string, got null",
		`{"sensor_id":"s","value":1,"unit":"\u12"}`:         "invalid \\u escape",
		`{"sensor_id":"s","value":1,"unit":"\x"}`:           "invalid escape \\x",
		`{"sensor_id":"s","value":1,"unit":"\u12`:           "unterminated \\u escape",
	} {
		_, err := ingest.DecodeReading(strings.NewReader(body), 0)
		if smartmaint.ErrorCode(err) != smartmaint.EINVALID || !strings.Contains(smartmaint.ErrorMessage(err), want) {
			t.Errorf("%s: %v, want %q", body, smartmaint.ErrorMessage(err), want)
		}
	}
}

func TestDecodeReadingCollectsEveryProblem(t *testing.T) {
	_, err := ingest.DecodeReading(strings.NewReader(`{"value":"1","extra":1,"quality":true,"extra":2}`), 0)
	var fields []string
	for _, d := range smartmaint.ErrorDetails(err) {
		fields = append(fields, d.Field)
	}
	want := []string{"value", "extra", "quality", "extra", "sensor_id"}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields = %v, want %v (%v)", fields, want, err)
	}
}

// TestChunkBoundaries decodes bodies larger than the read buffer through a
// reader that returns one byte at a time: the result must be the same as
// with the whole body at hand.
func TestChunkBoundaries(t *testing.T) {
	long := strings.Repeat("x", 100_000) // forces the buffer to grow
	var nd, arr, csv strings.Builder
	arr.WriteString("[")
	csv.WriteString("sensor_id,timestamp,value\r\n")
	for i := range 3000 {
		md := ""
		if i%1000 == 7 {
			md = `,"metadata":{"note":"` + long + `"}`
		}
		obj := fmt.Sprintf(`{"sensor_id":"s-%d","value":%d.5,"timestamp":%d%s}`, i%13, i, 1780315200-i, md)
		nd.WriteString(obj + "\n")
		if i > 0 {
			arr.WriteString(",\n ")
		}
		arr.WriteString(obj)
		fmt.Fprintf(&csv, "\"s-%d\",%d,%d.5\r\n", i%13, 1780315200-i, i)
	}
	arr.WriteString("]")
	lim := ingest.Limits{MaxBytes: 1 << 30}
	for _, c := range []struct {
		f    ingest.Format
		body string
	}{{ingest.FormatNDJSON, nd.String()}, {ingest.FormatJSON, arr.String()}, {ingest.FormatCSV, csv.String()}} {
		t.Run(c.f.String(), func(t *testing.T) {
			whole := decodeAll(t, c.f, c.body, lim)
			bytewise := decodeOneByteAtATime(t, c.f, c.body, lim)
			if whole.err != nil || len(whole.rejected) > 0 || len(whole.items) != 3000 {
				t.Fatalf("decoded %d items, %v, %v", len(whole.items), whole.rejected, whole.err)
			}
			if !reflect.DeepEqual(whole, bytewise) {
				t.Fatal("decoding one byte at a time differs")
			}
			last := whole.items[2999].Reading
			if last.SensorID != "s-9" || last.Value != 2999.5 || last.Time.Unix() != 1780315200-2999 {
				t.Fatalf("last reading %+v", last)
			}
		})
	}
}

func decodeOneByteAtATime(tb testing.TB, f ingest.Format, body string, lim ingest.Limits) decoded {
	tb.Helper()
	dec := ingest.NewDecoder(iotest.OneByteReader(strings.NewReader(body)), f, lim)
	return drain(tb, dec)
}

func TestNDJSONLinesAndPositions(t *testing.T) {
	body := "\n" + `{"sensor_id":"a","value":1}` + "\r\n\n" + `{"sensor_id":"b","value":2,"bad":1}` + "\n" +
		`{"sensor_id":"c","value":3}` // no final newline
	d := decodeAll(t, ingest.FormatNDJSON, body, ingest.Limits{})
	if d.err != nil || len(d.items) != 2 || d.count != 1 {
		t.Fatalf("%+v", d)
	}
	if d.items[0].Line != 2 || d.items[1].Line != 5 || d.items[1].Index != -1 || d.rejected[0].Line != 4 {
		t.Fatalf("lines %d, %d, rejected at %d", d.items[0].Line, d.items[1].Line, d.rejected[0].Line)
	}
}

func TestJSONArrayIndexes(t *testing.T) {
	body := `[{"sensor_id":"a","value":1}, {"sensor_id":"b","value":"2"}, {"sensor_id":"c","value":3}]`
	d := decodeAll(t, ingest.FormatJSON, body, ingest.Limits{})
	if d.err != nil || len(d.items) != 2 || d.items[1].Index != 2 || *d.rejected[0].Index != 1 {
		t.Fatalf("%+v", d)
	}
}

func TestCSVLong(t *testing.T) {
	body := "\ufeff Value , SENSOR_ID,timestamp\n" + // BOM, case and spaces in the header
		"1.5,a,2026-06-01T12:00:00Z\n" +
		"\n" +
		`"2.5","b""q",1780315200` + "\n" +
		" -3 , c ,2026-06-01T12:00:00.5+00:00\n"
	d := decodeAll(t, ingest.FormatCSV, body, ingest.Limits{})
	if d.err != nil || len(d.items) != 3 {
		t.Fatalf("%+v", d)
	}
	got := []string{}
	for _, it := range d.items {
		got = append(got, fmt.Sprintf("%s=%v@%d line %d q%v", it.Reading.SensorID, it.Reading.Value, it.Reading.Time.UnixMilli(), it.Line, it.Reading.Quality))
	}
	want := []string{"a=1.5@1780315200000 line 2 q1", `b"q=2.5@1780315200000 line 4 q1`, "c=-3@1780315200500 line 5 q1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestCSVWide(t *testing.T) {
	body := "timestamp,pump-1-temp,pump-1-vib,pump-2-temp\n" +
		"2026-06-01T12:00:00Z,20.5,,21\n" +
		"2026-06-01T12:00:01Z,,0.3,\n" +
		"2026-06-01T12:00:02Z,bad,0.4,NaN\n" +
		"2026-06-01T12:00:03Z,,,\n"
	d := decodeAll(t, ingest.FormatCSV, body, ingest.Limits{})
	if d.err != nil {
		t.Fatal(d.err)
	}
	var got []string
	for _, it := range d.items {
		got = append(got, fmt.Sprintf("%s=%v line %d col %d", it.Reading.SensorID, it.Reading.Value, it.Line, it.Column))
	}
	want := []string{"pump-1-temp=20.5 line 2 col 2", "pump-2-temp=21 line 2 col 4", "pump-1-vib=0.3 line 3 col 3", "pump-1-vib=0.4 line 4 col 3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if d.count != 2 || d.rejected[0].Field != "pump-1-temp" || d.rejected[1].Field != "pump-2-temp" || d.rejected[1].Line != 4 {
		t.Fatalf("rejected %+v", d.rejected)
	}
}

func TestWideLineErrorCountsEveryValue(t *testing.T) {
	d := decodeAll(t, ingest.FormatCSV, "timestamp,a,b,c\nlater,1,2,\n", ingest.Limits{})
	if d.count != 2 || len(d.rejected) != 1 || d.rejected[0].Field != "timestamp" {
		t.Fatalf("%+v", d)
	}
}

func TestReadingLimitCountsWideCells(t *testing.T) {
	d := decodeAll(t, ingest.FormatCSV, "timestamp,a,b\n2026-06-01T12:00:00Z,1,2\n2026-06-01T12:00:01Z,3,4\n", ingest.Limits{MaxReadings: 3})
	if smartmaint.ErrorCode(d.err) != smartmaint.ETOOLARGE || len(d.items) != 2 {
		t.Fatalf("%d items, err %v", len(d.items), d.err)
	}
}

func TestFormatForContentType(t *testing.T) {
	tests := map[string]ingest.Format{
		"application/json":                 ingest.FormatJSON,
		"application/json; charset=UTF-8":  ingest.FormatJSON,
		"application/x-ndjson":             ingest.FormatNDJSON,
		"application/jsonl":                ingest.FormatNDJSON,
		"Text/CSV; header=present":         ingest.FormatCSV,
		"application/csv;charset=us-ascii": ingest.FormatCSV,
	}
	for ct, want := range tests {
		if got, err := ingest.FormatForContentType(ct); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", ct, got, err, want)
		}
	}
	for _, ct := range []string{"", "text/plain", "application/xml", "multipart/form-data; boundary=x", "text/csv; charset=utf-16", ";;"} {
		if _, err := ingest.FormatForContentType(ct); smartmaint.ErrorCode(err) != smartmaint.EUNSUPPORTED {
			t.Errorf("%q: err = %v, want EUNSUPPORTED", ct, err)
		}
	}
}
