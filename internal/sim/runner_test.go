package sim

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"smartmaint"
)

// fakeClock is a clock that only moves when the runner waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits int
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits++
	return nil
}

// runAsync starts r.Run in a goroutine and returns a function that waits for
// it to end (failing the test if it does not end promptly) and returns its
// error.
func runAsync(t *testing.T, ctx context.Context, r *Runner) func() error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

func TestRunnerCatchesUpThenStreams(t *testing.T) {
	s := newDemo(t, 14)
	clock := &fakeClock{now: monday.Add(10*time.Minute + 500*time.Millisecond)}
	stopAt := monday.Add(30 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []smartmaint.Reading
	var sizes []int
	var lastNow time.Time
	r := &Runner{Sim: s, Start: monday, Clock: clock.Now, Wait: clock.Wait, Interval: time.Minute, BatchSize: 500,
		Sink: func(_ context.Context, batch []smartmaint.Reading) error {
			now := clock.Now()
			for _, rd := range batch {
				if rd.Time.After(now) {
					t.Errorf("reading at %s handed out at %s", rd.Time, now)
				}
			}
			got = append(got, batch...)
			sizes = append(sizes, len(batch))
			lastNow = now
			if !now.Before(stopAt) {
				cancel()
			}
			return nil
		}}
	if err := runAsync(t, ctx, r)(); err != nil {
		t.Fatal(err)
	}
	want := s.Generate(monday, lastNow.Add(time.Nanosecond))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("streamed %d readings, want the %d of Generate up to %s", len(got), len(want), lastNow)
	}
	for i, n := range sizes {
		if n > 500 || n == 0 {
			t.Fatalf("batch %d has %d readings", i, n)
		}
	}
	// The first 10 minutes (about 9,000 readings) are caught up without a
	// pause; then one round per minute.
	if clock.waits != 20 {
		t.Errorf("%d waits for 20 minutes of live streaming", clock.waits)
	}
	if n, last := r.Delivered(); n != int64(len(got)) || !last.Equal(got[len(got)-1].Time) {
		t.Errorf("Delivered() = %d, %s", n, last)
	}
}

func TestRunnerRetriesWhenAsked(t *testing.T) {
	s := newDemo(t, 15)
	clock := &fakeClock{now: monday.Add(5 * time.Minute)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls, failures := 0, 0
	var got []smartmaint.Reading
	r := &Runner{Sim: s, Assets: []string{"fan-01"}, Start: monday, Clock: clock.Now, Wait: clock.Wait, Interval: time.Minute,
		OnError: func(error) bool { failures++; return true },
		Sink: func(_ context.Context, batch []smartmaint.Reading) error {
			calls++
			if calls%3 != 0 {
				return errors.New("server restarting")
			}
			got = append(got, batch...)
			if len(got) > 150 {
				cancel()
			}
			return nil
		}}
	if err := runAsync(t, ctx, r)(); err != nil {
		t.Fatal(err)
	}
	want, _ := s.GenerateAsset("fan-01", monday, got[len(got)-1].Time.Add(time.Nanosecond))
	if !reflect.DeepEqual(got, want) || failures == 0 {
		t.Fatalf("after %d failures delivered %d readings, want %d exactly once", failures, len(got), len(want))
	}
}

func TestRunnerStopsOnSinkError(t *testing.T) {
	clock := &fakeClock{now: monday.Add(time.Hour)}
	boom := errors.New("boom")
	r := &Runner{Sim: newDemo(t, 1), Start: monday, Clock: clock.Now, Wait: clock.Wait,
		Sink: func(context.Context, []smartmaint.Reading) error { return boom }}
	if err := runAsync(t, context.Background(), r)(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the sink's error", err)
	}
	if err := (&Runner{Start: monday}).Run(context.Background()); err == nil {
		t.Error("a runner without simulator and sink ran")
	}
	r.Assets = []string{"nope"}
	if err := r.Run(context.Background()); smartmaint.ErrorCode(err) != smartmaint.ENOTFOUND {
		t.Errorf("unknown asset: got %v", err)
	}
}

func TestRunnerStopsOnCancelWhileWaiting(t *testing.T) {
	// Real timer, nothing due: Run sleeps for an hour unless cancel wakes it.
	r := &Runner{Sim: newDemo(t, 1), Start: monday, Clock: func() time.Time { return monday.Add(-time.Hour) },
		Interval: time.Hour, Sink: func(context.Context, []smartmaint.Reading) error { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	wait := runAsync(t, ctx, r)
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
}
