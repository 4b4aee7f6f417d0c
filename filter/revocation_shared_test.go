package filter

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/abi"
	"github.com/jwtguard/jwtguard/internal/mint"
)

// Sharing a fetched revocation list between VMs (issue 20): the VM that fetched it publishes
// the built index, not the JSON, and the others adopt the index after checking it.

// numberedList revokes jti "<prefix>-0" … "<prefix>-<n-1>" and subjects "<prefix>-s0" ….
func numberedList(prefix string, n int, exp int64) mint.Revocations {
	var l mint.Revocations
	for i := 0; i < n; i++ {
		l.JTI = append(l.JTI, mint.RevokeJTI(prefix+"-"+strconv.Itoa(i), exp))
	}
	for i := 0; i < n/10; i++ {
		l.Sub = append(l.Sub, mint.RevokeSub(prefix+"-s"+strconv.Itoa(i), exp, exp))
	}
	return l
}

// sharedListRecord reads the published revocation record of vm's first provider.
func sharedListRecord(t *testing.T, vm *pluginState) (docRecord, string) {
	t.Helper()
	f := vm.providers[0].rev.fetcher
	raw, _, err := abi.GetSharedData(f.recordKey)
	if err != nil {
		t.Fatal("no record published:", err)
	}
	rec, ok := decodeRecord(raw)
	if !ok {
		t.Fatal("the published record does not decode")
	}
	return rec, f.recordKey
}

// revokesJTI reports whether vm's fetched list revokes a token with jti id (and an iat after
// every cut-off).
func revokesJTI(vm *pluginState, now time.Time, id string) bool {
	return vm.providers[0].rev.revokes(revocationIDs{JTI: id, Sub: id, IAT: now.Unix(), HasIAT: true}, now)
}

// TestRevocationVMsShareTheIndex: the record holds the index, not the document; the VM that
// adopts it revokes exactly what the VM that parsed the document revokes.
func TestRevocationVMsShareTheIndex(t *testing.T) {
	h := newHarness(t, localConfig(t, revSection("")))
	now := h.clock.now()
	h.host.Tick()
	h.answerList("200", `"a"`, numberedList("r", 2000, now.Unix()+3600).JSON())
	rec, _ := sharedListRecord(t, h.plugin)
	if len(rec.body) == 0 || rec.body[0] == '{' || rec.etag != `"a"` {
		t.Fatalf("the record holds %q… with ETag %q, want the index with the list's ETag", rec.body[:min(len(rec.body), 8)], rec.etag)
	}
	other := h.secondVM()
	other.OnTick()
	if l := other.providers[0].rev.list; l == nil || l.Len() != 2200 {
		t.Fatal("the second VM did not adopt the index")
	}
	for _, id := range []string{"r-0", "r-1999", "r-s0", "r-s199", "r-2000", "r-s200", "r", "x"} {
		if a, b := revokesJTI(h.plugin, now, id), revokesJTI(other, now, id); a != b {
			t.Fatalf("%q: the fetching VM says %v, the adopting VM %v", id, a, b)
		}
	}
	if !revokesJTI(other, now, "r-1234") || revokesJTI(other, now, "r-2000") {
		t.Fatal("the adopted index does not answer as the list says")
	}
}

// TestRevocationCorruptSharedIndexNotUsed: a record of the current version whose index was
// damaged (truncated or altered after the fetching VM wrote it) is refused by the VM adopting
// it, which keeps its last good list and logs why; the next good publication is adopted.
func TestRevocationCorruptSharedIndexNotUsed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(body []byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-5] }},
		{"one bit flipped", func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b }},
		{"replaced by the JSON document", func([]byte) []byte { return numberedList("c", 3, 1900000000).JSON() }},
		{"empty", func([]byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, localConfig(t, revSection("")))
			now := h.clock.now()
			other := h.secondVM()
			h.host.Tick()
			h.answerList("200", `"a"`, numberedList("a", 50, now.Unix()+3600).JSON())
			other.OnTick()
			h.clock.advance(11 * time.Second)
			h.host.Tick()
			h.answerList("200", `"b"`, numberedList("b", 50, now.Unix()+3600).JSON())
			rec, key := sharedListRecord(t, h.plugin)
			rec.body = tc.damage(append([]byte(nil), rec.body...))
			if err := storeShared(key, encodeRecord(rec)); err != nil {
				t.Fatal(err)
			}
			other.OnTick()
			if !revokesJTI(other, now, "a-7") || revokesJTI(other, now, "b-7") {
				t.Fatal("the VM adopting a damaged index does not keep its last good list")
			}
			if logs := strings.Join(h.host.GetErrorLogs(), "\n"); !strings.Contains(logs, "shared revocation list does not parse") {
				t.Fatalf("no error logged: %s", logs)
			}
			h.clock.advance(11 * time.Second)
			h.host.Tick()
			h.answerList("200", `"c"`, numberedList("c", 50, now.Unix()+3600).JSON())
			other.OnTick()
			if !revokesJTI(other, now, "c-7") || revokesJTI(other, now, "a-7") {
				t.Fatal("the next good index is not adopted")
			}
		})
	}
}

// TestRevocationIndexPublishedBetweenTicks: publishing is two shared-data writes (record,
// then schedule); a VM that looks between them, with a list (tick) or without one (request
// path), must not adopt the new index under the old version, and adopts it afterwards.
func TestRevocationIndexPublishedBetweenTicks(t *testing.T) {
	h := newHarness(t, localConfig(t, revSection(`, "on_unavailable": "allow"`)))
	now := h.clock.now()
	withList, without := h.secondVM(), h.secondVM()
	h.host.Tick()
	h.answerList("200", `"a"`, numberedList("a", 20, now.Unix()+3600).JSON())
	withList.OnTick()
	h.clock.advance(11 * time.Second)
	h.host.Tick()
	h.plugin.providers[0].rev.fetcher.interleave = func(point string) {
		if point != interleavePublish {
			return
		}
		withList.OnTick()
		without.providers[0].rev.fetcher.adoptShared()
		if !revokesJTI(withList, now, "a-3") || revokesJTI(withList, now, "b-3") {
			t.Error("a VM with a list adopted the record before the schedule named it")
		}
		if without.providers[0].rev.list != nil {
			t.Error("a VM without a list adopted the record before the schedule named it")
		}
	}
	h.answerList("200", `"b"`, numberedList("b", 20, now.Unix()+3600).JSON())
	h.plugin.providers[0].rev.fetcher.interleave = nil
	withList.OnTick()
	without.OnTick()
	for _, vm := range []*pluginState{withList, without} {
		if !revokesJTI(vm, now, "b-3") || revokesJTI(vm, now, "a-3") || vm.providers[0].rev.fetcher.version != 2 {
			t.Fatalf("after the publication a VM has version %d and does not use the new list", vm.providers[0].rev.fetcher.version)
		}
	}
}
