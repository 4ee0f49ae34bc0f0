// Command retrieve_vms_govmomi is the govmomi (Go) peer of `cargo run -p photon-vim --example
// retrieve_vms`: it logs in to a vCenter (or vcsim), then, --rounds times, creates one ContainerView of
// every VirtualMachine under the root folder and fetches eight properties of all of them with one
// RetrievePropertiesEx (following continuation tokens, if the server pages), decoding the result into
// govmomi's typed mo.VirtualMachine values. It prints one line:
//
//	vms=<n> login_ms=<x> best_retrieve_ms=<y>
//
// login_ms covers fetching the ServiceContent and SessionManager.Login over a fresh TLS connection;
// best_retrieve_ms is the fastest round of CreateContainerView + RetrievePropertiesEx (+ decoding) +
// DestroyView, the same calls the Rust client's `Client::retrieve` makes per round.
//
// It is built in GOPATH mode against Debian's govmomi 0.24.2 (benchmarks/run does this):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o .tools/bin/retrieve_vms_govmomi ./benchmarks/retrieve_vms_govmomi
//
// TLS is always verified against --ca-file; there is no insecure mode.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The same eight properties the Rust and pyvmomi clients fetch.
var properties = []string{
	"name",
	"runtime.powerState",
	"config.hardware.numCPU",
	"config.hardware.memoryMB",
	"config.uuid",
	"guest.ipAddress",
	"datastore",
	"network",
}

func main() {
	rawURL := flag.String("url", "", "SDK URL, e.g. https://127.0.0.1:8989/sdk")
	username := flag.String("username", "", "user name")
	password := flag.String("password", "", "password")
	caFile := flag.String("ca-file", "", "PEM file of the CA that signed the server certificate")
	rounds := flag.Int("rounds", 5, "number of timed retrievals; the best is reported")
	flag.Parse()
	if *rawURL == "" || *caFile == "" || *rounds < 1 {
		fatalf("usage: retrieve_vms_govmomi -url URL -username U -password P -ca-file FILE [-rounds N]")
	}
	u, err := url.Parse(*rawURL)
	if err != nil {
		fatalf("bad -url: %v", err)
	}
	ctx := context.Background()

	loginStart := time.Now()
	soapClient := soap.NewClient(u, false)
	if err := soapClient.SetRootCAs(*caFile); err != nil {
		fatalf("-ca-file: %v", err)
	}
	client, err := vim25.NewClient(ctx, soapClient)
	if err != nil {
		fatalf("connect: %v", err)
	}
	sessions := session.NewManager(client)
	if err := sessions.Login(ctx, url.UserPassword(*username, *password)); err != nil {
		fatalf("login: %v", err)
	}
	login := time.Since(loginStart)
	defer func() { _ = sessions.Logout(ctx) }()

	views := view.NewManager(client)
	vms := -1
	var best time.Duration
	for round := 0; round < *rounds; round++ {
		start := time.Now()
		v, err := views.CreateContainerView(ctx, client.ServiceContent.RootFolder, []string{"VirtualMachine"}, true)
		if err != nil {
			fatalf("CreateContainerView: %v", err)
		}
		got, err := retrieve(ctx, client, v.Reference())
		if err != nil {
			fatalf("RetrievePropertiesEx: %v", err)
		}
		if err := v.Destroy(ctx); err != nil {
			fatalf("DestroyView: %v", err)
		}
		elapsed := time.Since(start)
		if vms >= 0 && len(got) != vms {
			fatalf("round %d saw %d VMs, earlier rounds %d", round+1, len(got), vms)
		}
		vms = len(got)
		if round == 0 || elapsed < best {
			best = elapsed
		}
	}
	fmt.Printf("vms=%d login_ms=%.1f best_retrieve_ms=%.1f\n", vms, ms(login), ms(best))
}

// retrieve fetches the properties of every VM in the view with one RetrievePropertiesEx, then
// ContinueRetrievePropertiesEx while the server hands back a token.
func retrieve(ctx context.Context, client *vim25.Client, viewRef types.ManagedObjectReference) ([]mo.VirtualMachine, error) {
	collector := client.ServiceContent.PropertyCollector
	req := types.RetrievePropertiesEx{
		This: collector,
		SpecSet: []types.PropertyFilterSpec{{
			ObjectSet: []types.ObjectSpec{{
				Obj:  viewRef,
				Skip: types.NewBool(true),
				SelectSet: []types.BaseSelectionSpec{
					&types.TraversalSpec{Type: "ContainerView", Path: "view"},
				},
			}},
			PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: properties}},
		}},
		Options: types.RetrieveOptions{},
	}
	res, err := methods.RetrievePropertiesEx(ctx, client, &req)
	if err != nil {
		return nil, err
	}
	var contents []types.ObjectContent
	for res.Returnval != nil {
		contents = append(contents, res.Returnval.Objects...)
		if res.Returnval.Token == "" {
			break
		}
		next, err := methods.ContinueRetrievePropertiesEx(ctx, client, &types.ContinueRetrievePropertiesEx{
			This:  collector,
			Token: res.Returnval.Token,
		})
		if err != nil {
			return nil, err
		}
		res = &types.RetrievePropertiesExResponse{Returnval: &next.Returnval}
	}
	var vms []mo.VirtualMachine
	if err := mo.LoadObjectContent(contents, &vms); err != nil {
		return nil, err
	}
	return vms, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "retrieve_vms_govmomi: "+format+"\n", args...)
	os.Exit(1)
}
