//go:build tools

// Package tools pins etcd's main package so `go mod tidy` records its deps.
package tools

import _ "go.etcd.io/etcd/server/v3"
