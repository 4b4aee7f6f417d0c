package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRunCountsEveryRequestAndOrdersPercentiles(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	r := Run(context.Background(), 200, 4, time.Minute, func(i int) *http.Request {
		path := "/fast"
		if i%100 == 99 { // 2 of 200: above the 99th percentile only
			path = "/slow"
		}
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		return req
	})
	if r.Requests != 200 || r.Statuses[204] != 200 || r.Errors != 0 {
		t.Fatalf("requests %d, statuses %v, errors %d", r.Requests, r.Statuses, r.Errors)
	}
	if r.P50 >= 20*time.Millisecond || r.P99 < 20*time.Millisecond {
		t.Fatalf("p50 %s, p99 %s: want p50 fast and p99 at least the slow requests' 20ms", r.P50, r.P99)
	}
}

func TestRunStopsAtMaxDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(10 * time.Millisecond)
	}))
	defer srv.Close()
	r := Run(context.Background(), 100000, 2, 200*time.Millisecond, func(int) *http.Request {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		return req
	})
	if r.Requests == 0 || r.Requests > 100 {
		t.Fatalf("%d requests answered in a 200ms run of 10ms requests with 2 clients", r.Requests)
	}
}
