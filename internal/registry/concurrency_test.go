package registry

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// TestConcurrentProcessesGetDistinctNumbers registers from several processes
// (this test binary re-executed) and goroutines at once on one directory:
// every version number is handed out exactly once and every version is kept.
func TestConcurrentProcessesGetDistinctNumbers(t *testing.T) {
	const procs, goroutines, each = 3, 2, 5
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRegisterProcess$")
			cmd.Env = append(os.Environ(), "REGISTRY_TEST_CHILD_DIR="+dir, fmt.Sprintf("REGISTRY_TEST_CHILD_ID=%d", p))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("child %d: %v\n%s", p, err, out)
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := r.Versions(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	const total = procs * goroutines * each
	if len(vs) != total {
		t.Fatalf("%d versions, want %d", len(vs), total)
	}
	for i, v := range vs {
		if want := total - i; v.Version != want {
			t.Fatalf("versions newest first: position %d has %d, want %d", i, v.Version, want)
		}
		if _, _, err := r.Load(context.Background(), "shared", fmt.Sprint(v.Version)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHelperRegisterProcess is the child of
// TestConcurrentProcessesGetDistinctNumbers; it does nothing on its own.
func TestHelperRegisterProcess(t *testing.T) {
	dir := os.Getenv("REGISTRY_TEST_CHILD_DIR")
	if dir == "" {
		t.Skip("child process of TestConcurrentProcessesGetDistinctNumbers")
	}
	id := os.Getenv("REGISTRY_TEST_CHILD_ID")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				art := []byte(fmt.Sprintf("process %s goroutine %d model %d", id, g, i))
				if _, err := r.Register(context.Background(), NewVersion{Model: "shared", Artifact: art}); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
}
