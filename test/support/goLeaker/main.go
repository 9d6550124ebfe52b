// goLeaker: a small Go service for the pprof and /metrics tests, standard library only (it builds
// offline with Debian's golang-go). It serves net/http/pprof under /debug/pprof/, a hand-written
// Prometheus text /metrics (the Go client is not available offline), and leaks on demand:
//
//	GET /leak?n=N        starts N goroutines blocked forever in leakedWorker (one stack)
//	GET /leak-fds?n=N    opens N file descriptors on /dev/null and never closes them
//	-leak-every 100ms    leaks one goroutine (and, with -leak-fds, one fd) per tick from the start
//
// It listens on 127.0.0.1 (port from -port, 0 picks a free one) and prints
// "listening on http://127.0.0.1:PORT" when it serves.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

var (
	never      = make(chan struct{})
	leakedFds  []*os.File
	leakedLock sync.Mutex
)

// leakedWorker blocks forever: every goroutine it runs in is leaked, all with this one stack.
func leakedWorker(id int) {
	<-never
	fmt.Println("never reached", id)
}

// labelledWorker runs once, under pprof labels, so that the goroutine profile has a "# labels:" line.
func labelledWorker() {
	pprof.Do(context.Background(), pprof.Labels("worker", "poller"), func(context.Context) {
		<-never
	})
}

func leakGoroutines(n int) {
	for i := 0; i < n; i++ {
		go leakedWorker(i)
	}
}

func leakFds(n int) error {
	leakedLock.Lock()
	defer leakedLock.Unlock()
	for i := 0; i < n; i++ {
		file, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		leakedFds = append(leakedFds, file)
	}
	return nil
}

func countParam(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("n")
	if raw == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > 100000 {
		return 0, fmt.Errorf("n is a count from 0 to 100000, got %q", raw)
	}
	return n, nil
}

func openFds() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

func residentBytes() int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	var size, resident int64
	if _, err := fmt.Sscanf(string(raw), "%d %d", &size, &resident); err != nil {
		return -1
	}
	return resident * int64(os.Getpagesize())
}

// serveMetrics writes the metrics the Prometheus Go client's default registry has under these names.
func serveMetrics(w http.ResponseWriter, _ *http.Request) {
	var gc debug.GCStats
	gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&gc)
	var memory runtime.MemStats
	runtime.ReadMemStats(&memory)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.")
	fmt.Fprintln(w, "# TYPE go_gc_duration_seconds summary")
	for i, quantile := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		fmt.Fprintf(w, "go_gc_duration_seconds{quantile=\"%s\"} %g\n", quantile, gc.PauseQuantiles[i].Seconds())
	}
	fmt.Fprintf(w, "go_gc_duration_seconds_sum %g\n", gc.PauseTotal.Seconds())
	fmt.Fprintf(w, "go_gc_duration_seconds_count %d\n", gc.NumGC)
	fmt.Fprintln(w, "# HELP go_goroutines Number of goroutines that currently exist.")
	fmt.Fprintln(w, "# TYPE go_goroutines gauge")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# HELP go_info Information about the Go environment.")
	fmt.Fprintln(w, "# TYPE go_info gauge")
	fmt.Fprintf(w, "go_info{version=%q} 1\n", runtime.Version())
	fmt.Fprintln(w, "# HELP go_memstats_heap_alloc_bytes Number of heap bytes allocated and still in use.")
	fmt.Fprintln(w, "# TYPE go_memstats_heap_alloc_bytes gauge")
	fmt.Fprintf(w, "go_memstats_heap_alloc_bytes %g\n", float64(memory.HeapAlloc))
	fmt.Fprintln(w, "# HELP process_open_fds Number of open file descriptors.")
	fmt.Fprintln(w, "# TYPE process_open_fds gauge")
	fmt.Fprintf(w, "process_open_fds %d\n", openFds())
	fmt.Fprintln(w, "# HELP process_resident_memory_bytes Resident memory size in bytes.")
	fmt.Fprintln(w, "# TYPE process_resident_memory_bytes gauge")
	fmt.Fprintf(w, "process_resident_memory_bytes %g\n", float64(residentBytes()))
}

func main() {
	port := flag.Int("port", 0, "port to listen on, on 127.0.0.1 (0 picks a free one)")
	leakEvery := flag.Duration("leak-every", 0, "leak one goroutine per tick from the start (0: only on /leak)")
	leakFdsToo := flag.Bool("leak-fds", false, "with -leak-every, leak one file descriptor per tick too")
	flag.Parse()

	go labelledWorker()
	http.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		n, err := countParam(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		leakGoroutines(n)
		fmt.Fprintf(w, "leaked %d goroutines; %d running\n", n, runtime.NumGoroutine())
	})
	http.HandleFunc("/leak-fds", func(w http.ResponseWriter, r *http.Request) {
		n, err := countParam(r)
		if err == nil {
			err = leakFds(n)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "leaked %d fds; %d open\n", n, openFds())
	})
	http.HandleFunc("/metrics", serveMetrics)

	if *leakEvery > 0 {
		go func() {
			for range time.Tick(*leakEvery) {
				leakGoroutines(1)
				if *leakFdsToo {
					_ = leakFds(1)
				}
			}
		}()
	}

	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://%s\n", listener.Addr())
	if err := http.Serve(listener, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
