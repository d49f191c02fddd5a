package main

import (
	"bufio"
	"errors"
	"net"
	"os/exec"
)

func asExitError(err error, target **exec.ExitError) bool { return errors.As(err, target) }

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
