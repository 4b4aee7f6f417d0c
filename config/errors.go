package config

import "strings"

// Problem is one thing wrong with a configuration, at a JSON path such as
// "providers.corp.remote_jwks.timeout" or "rules[2].match".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Error lists every problem found in a configuration, not only the first, so that a user
// fixes a file in one round.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}
