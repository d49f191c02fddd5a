// Command base is the baseline of the binary-size comparison: it reads a
// file and prints its size, as the others do after parsing it.
package main

import (
	"fmt"
	"os"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	fmt.Println(len(b), err)
}
