module github.com/jwtguard/jwtguard/e2e

go 1.24.0

require github.com/tetratelabs/wazero v1.11.0

require golang.org/x/sys v0.38.0 // indirect

require github.com/jwtguard/jwtguard v0.0.0

replace github.com/jwtguard/jwtguard => ../
