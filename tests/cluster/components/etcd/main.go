// Command etcd is upstream's etcd server main, built from its module: the server module's own go.mod
// has path replaces, so `go install go.etcd.io/etcd/server/v3@version` is refused and a wrapper is needed.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
