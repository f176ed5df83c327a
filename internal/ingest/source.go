package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"smartmaint"
)

// chunkSize is how much of the body is read at a time.
const chunkSize = 64 << 10

// source reads a body in chunks into one reused buffer, enforcing the byte
// limit. Decoders consume buf[start:end]; positions they keep across a fill
// are relative to start, because fill moves the unconsumed bytes to the front.
type source struct {
	r     io.Reader
	buf   []byte
	start int   // first unconsumed byte
	end   int   // end of the data read
	base  int64 // offset in the body of buf[0]
	total int64 // bytes read
	max   int64 // byte limit; 0 means none
	err   error // sticky: io.EOF, a limit error or a read error

	trackLines bool  // count lines of discarded bytes (JSON positions)
	lines      int   // newlines before buf[0]
	lineStart  int64 // offset just after the last newline before buf[0]
}

func (s *source) init(r io.Reader, max int64, buf []byte, trackLines bool) {
	if cap(buf) < chunkSize {
		buf = make([]byte, chunkSize)
	}
	*s = source{r: r, buf: buf[:cap(buf)], max: max, trackLines: trackLines}
}

// fill reads more of the body after the unconsumed bytes, growing the buffer
// when they fill it. It returns false when nothing more can come; s.err then
// says why.
func (s *source) fill() bool {
	if s.err != nil {
		return false
	}
	if s.start > 0 {
		s.discard()
	}
	if s.end == len(s.buf) {
		grown := make([]byte, 2*len(s.buf))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	room := s.buf[s.end:]
	if s.max > 0 && int64(len(room)) > s.max-s.total+1 {
		room = room[:s.max-s.total+1] // one byte more than allowed reveals an excess
	}
	n, err := s.r.Read(room)
	s.end += n
	s.total += int64(n)
	switch {
	case s.max > 0 && s.total > s.max:
		s.err = tooLargeBytes(s.max)
		return false
	case err != nil:
		s.err = readError(err)
	}
	return n > 0 || s.err == nil
}

// fillTo reads until n unconsumed bytes are buffered or the body ends. It
// returns the body's error, or nil at a clean end of file.
func (s *source) fillTo(n int) error {
	for s.end-s.start < n {
		if !s.fill() {
			return s.failed()
		}
	}
	return nil
}

// discard drops the consumed bytes buf[:start].
func (s *source) discard() {
	if s.trackLines {
		gone := s.buf[:s.start]
		if n := bytes.Count(gone, []byte{'\n'}); n > 0 {
			s.lines += n
			s.lineStart = s.base + int64(bytes.LastIndexByte(gone, '\n')) + 1
		}
	}
	s.end = copy(s.buf, s.buf[s.start:s.end])
	s.base += int64(s.start)
	s.start = 0
}

// position returns the 1-based line and column of the byte at buf[i].
func (s *source) position(i int) (line int, col int64) {
	line = s.lines + 1 + bytes.Count(s.buf[:i], []byte{'\n'})
	lineStart := s.lineStart
	if j := bytes.LastIndexByte(s.buf[:i], '\n'); j >= 0 {
		lineStart = s.base + int64(j) + 1
	}
	return line, s.base + int64(i) - lineStart + 1
}

// failed returns the error that ended the body: nil at a clean end of file.
func (s *source) failed() error {
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

// readError converts a read failure: the HTTP server's body limit becomes
// ETOOLARGE, io.EOF stays, anything else (a client that went away) is
// wrapped.
func readError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.As(err, &mbe):
		return tooLargeBytes(mbe.Limit)
	}
	return fmt.Errorf("ingest: read body: %w", err)
}

func tooLargeBytes(limit int64) error {
	return smartmaint.Errorf(smartmaint.ETOOLARGE,
		"The request body exceeds the limit of %d bytes (%s).", limit, formatBytes(limit))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
