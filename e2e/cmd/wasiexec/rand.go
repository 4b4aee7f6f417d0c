package main

import "crypto/rand"

// randReader gives the guest the host's cryptographic randomness (crypto/rand in the guest).
type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return rand.Read(p) }
