package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedCodeIsCurrent: the committed rsa_montmul.go is what the generator writes now;
// after changing the generator, run go generate ./jwtverify.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	want, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../rsa_montmul.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("jwtverify/rsa_montmul.go is not the generator's output: run go generate ./jwtverify")
	}
}
