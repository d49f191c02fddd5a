//go:build unix

package ingest

import "syscall"

const oNonBlock = syscall.O_NONBLOCK | syscall.O_NOCTTY
