package sqlite

import (
	"context"
	"fmt"
	"strings"
)

// Multi-row statement sizes: the most rows one statement carries; smaller
// remainders use the powers of two below, so that only a handful of
// statements are ever prepared.
const (
	blockChunk  = 64
	partsChunk  = 64
	statsChunk  = 128
	lookupChunk = 256
)

// execChunks executes the multi-row statement built by sql(n) over args (cols
// arguments per row), in chunks of at most max rows, checking that every row
// was written. It returns args emptied. name identifies the statement: its
// prepared forms are cached by name and row count, which spares building
// and hashing its text at every call.
func execChunks(tx *wtx, name string, args []any, cols, max int, sql func(n int) string) ([]any, error) {
	return execRows(tx, name, args, cols, max, sql, true)
}

// execAll is execChunks for statements that may leave rows out (INSERT OR
// IGNORE of rows that may exist).
func execAll(tx *wtx, name string, args []any, cols, max int, sql func(n int) string) ([]any, error) {
	return execRows(tx, name, args, cols, max, sql, false)
}

func execRows(tx *wtx, name string, args []any, cols, max int, sql func(n int) string, check bool) ([]any, error) {
	for len(args) > 0 {
		n := max
		for n*cols > len(args) {
			n /= 2
		}
		st, err := tx.multi(name, n, sql)
		if err != nil {
			return args[:0], err
		}
		res, err := st.ExecContext(context.Background(), args[:n*cols]...)
		if err != nil {
			return args[:0], err
		}
		if check {
			if got, err := res.RowsAffected(); err != nil || got != int64(n) {
				return args[:0], fmt.Errorf("sqlite: wrote %d of %d rows (%v)", got, n, err)
			}
		}
		args = append(args[:0], args[n*cols:]...)
	}
	return args, nil
}

// multiRow returns prefix followed by n groups of cols placeholders, then
// suffix.
func multiRow(prefix string, n, cols int, suffix string) string {
	group := "(" + placeholders(cols) + ")"
	var sb strings.Builder
	sb.WriteString(prefix)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(group)
	}
	sb.WriteString(suffix)
	return sb.String()
}
