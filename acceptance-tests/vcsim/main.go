// Command photon-vcsim runs govmomi's vCenter simulator (vcsim) for the Photon IaC suite's tests and
// demos. Debian packages govmomi's library but not the vcsim command, so this is our own launcher.
//
// Build it in GOPATH mode against Debian's govmomi source (scripts/bootstrap does this):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o .tools/bin/photon-vcsim ./acceptance-tests/vcsim
//
// On start it prints one JSON line to stdout, {"url": ..., "ca_file": ..., "pid": ...}, once the server
// accepts connections; it stops on SIGTERM or SIGINT and removes the simulator's temp datastores.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io/ioutil"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"

	// Registered only when Service.RegisterEndpoints is true: vAPI REST (tags, content library),
	// storage policies, lookup service and STS.
	_ "github.com/vmware/govmomi/lookup/simulator"
	_ "github.com/vmware/govmomi/pbm/simulator"
	_ "github.com/vmware/govmomi/sts/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

type ready struct {
	URL    string `json:"url"`
	CAFile string `json:"ca_file,omitempty"`
	PID    int    `json:"pid"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	useTLS := flag.Bool("tls", true, "serve HTTPS with certificates generated at start")
	caFile := flag.String("ca-file", "", "with -tls, write the generated CA certificate (PEM) here for clients to trust")
	username := flag.String("username", "", "the only username SOAP Login accepts (empty: any)")
	password := flag.String("password", "", "the password that goes with -username")
	datacenters := flag.Int("datacenters", 1, "datacenters")
	hosts := flag.Int("hosts", 1, "standalone hosts per datacenter")
	clusters := flag.Int("clusters", 1, "clusters per datacenter")
	clusterHosts := flag.Int("cluster-hosts", 3, "hosts per cluster")
	vms := flag.Int("vms", 2, "VMs per host resource pool (standalone hosts and each cluster)")
	flag.Parse()

	if (*username == "") != (*password == "") {
		fatalf("-username and -password go together")
	}

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Host = *hosts
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Machine = *vms
	if err := model.Create(); err != nil {
		fatalf("create inventory: %v", err)
	}
	defer model.Remove()

	// vcsim panics when it cannot listen on a fixed port; check first so the caller gets an error, not
	// a trace. Port 0 goes straight to vcsim, which then picks a free port without any race.
	if _, port, err := net.SplitHostPort(*listen); err != nil || port != "0" {
		probe, err := net.Listen("tcp", *listen)
		if err != nil {
			model.Remove()
			fatalf("listen on %s: %v", *listen, err)
		}
		probe.Close()
	}

	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	if *useTLS {
		cert, caDER, err := newCertificates()
		if err != nil {
			model.Remove()
			fatalf("certificate: %v", err)
		}
		// Go's built-in test certificate is 1024-bit RSA, which rustls and OpenSSL 3 refuse.
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		if *caFile != "" {
			block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
			if err := ioutil.WriteFile(*caFile, block, 0o644); err != nil {
				model.Remove()
				fatalf("write %s: %v", *caFile, err)
			}
		}
	}

	server := model.Service.NewServer()
	defer server.Close()

	address := *server.URL
	address.User = nil
	line, _ := json.Marshal(ready{URL: address.String(), CAFile: *caFile, PID: os.Getpid()})
	fmt.Println(string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

// newCertificates makes a throwaway CA and a P-256 server certificate it signs for the loopback
// names, both valid for a day. Clients trust the CA (written to -ca-file); webpki-based clients
// refuse a CA certificate presented as the server's own, so the two must differ.
func newCertificates() (server tls.Certificate, caDER []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return server, nil, err
	}
	caTemplate := certTemplate("photon-vcsim test CA")
	caTemplate.IsCA = true
	caTemplate.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	caDER, err = x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return server, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return server, nil, err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return server, nil, err
	}
	template := certTemplate("localhost")
	template.KeyUsage = x509.KeyUsageDigitalSignature
	template.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	template.DNSNames = []string{"localhost"}
	template.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		return server, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, caDER, nil
}

func certTemplate(commonName string) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		fatalf("serial number: %v", err)
	}
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Photon IaC suite tests"}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
	}
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "photon-vcsim: "+format+"\n", args...)
	os.Exit(1)
}
