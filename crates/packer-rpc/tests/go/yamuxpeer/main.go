// yamuxpeer plays Packer's side of the plugin transport against our Rust code, using the
// real github.com/hashicorp/yamux (Debian's golang-github-hashicorp-yamux-dev, df201c7:
// what Debian's Packer 1.6.6 links) and a broker written after the SDK's rpc/mux_broker.go.
//
// Usage: yamuxpeer <packer-1.6.6|packer-1.7> <scenario> <handshake line>
// Exit status 0 = the scenario passed on the Go side; failures are explained on stderr.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "yamuxpeer: "+format+"\n", args...)
	os.Exit(1)
}

// parseLine applies the parse rule of the given Packer generation (reference §2).
func parseLine(packer, line string) (network, addr string) {
	line = strings.TrimSpace(line)
	switch packer {
	case "packer-1.6.6":
		parts := strings.SplitN(line, "|", 3)
		if len(parts) < 3 {
			fail("Unrecognized remote plugin message: %s", line)
		}
		if parts[0] != "5" {
			fail("Incompatible API version with plugin. Plugin version: %s, Ours: 5", parts[0])
		}
		if parts[1] != "tcp" && parts[1] != "unix" {
			fail("Unknown address type: %s", parts[1])
		}
		return parts[1], parts[2]
	case "packer-1.7":
		parts := strings.SplitN(line, "|", 4)
		if len(parts) < 4 {
			fail("protocol version 4 and lower was deprecated: %s", line)
		}
		if parts[0] != "5" {
			fail("incompatible API major version %s", parts[0])
		}
		if parts[1] > "0" {
			fail("Please upgrade Packer: plugin API minor %s", parts[1])
		}
		return parts[2], parts[3]
	}
	fail("unknown packer generation %s", packer)
	return "", ""
}

// pattern gives deterministic, position-dependent bytes so reordering or loss shows.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>11) ^ seed
	}
	return b
}

const big = 1536 * 1024 // > 1 MiB, several 256 KiB windows

// echoRoundTrip sends a 4-byte big-endian length and data on s while reading the echo until
// the Rust side's FIN, then half-closes. (df201c7's Read returns EOF as soon as the buffer is
// empty once *we* have closed, so we must not close before the echo is complete.)
func echoRoundTrip(s net.Conn, data []byte) error {
	errc := make(chan error, 1)
	go func() {
		err := binary.Write(s, binary.BigEndian, uint32(len(data)))
		if err == nil {
			_, err = s.Write(data)
		}
		errc <- err
	}()
	got, err := ioutil.ReadAll(s)
	if err != nil {
		return fmt.Errorf("read back: %v", err)
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("write: %v", err)
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("echo mismatch: sent %d bytes, got %d", len(data), len(got))
	}
	return s.Close()
}

// ---- broker after the SDK's rpc/mux_broker.go ----

type pending struct {
	ch     chan net.Conn
	doneCh chan struct{}
}

type broker struct {
	nextID  uint32
	session *yamux.Session
	mu      sync.Mutex
	streams map[uint32]*pending
}

func newBroker(s *yamux.Session) *broker {
	b := &broker{session: s, streams: map[uint32]*pending{}}
	go b.run()
	return b
}

func (b *broker) NextID() uint32 { return atomic.AddUint32(&b.nextID, 1) }

func (b *broker) get(id uint32) *pending {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.streams[id]
	if !ok {
		p = &pending{ch: make(chan net.Conn, 1), doneCh: make(chan struct{})}
		b.streams[id] = p
	}
	return p
}

func (b *broker) run() {
	for {
		stream, err := b.session.AcceptStream()
		if err != nil {
			return
		}
		var id uint32
		if err := binary.Read(stream, binary.LittleEndian, &id); err != nil {
			stream.Close()
			continue
		}
		p := b.get(id)
		select {
		case p.ch <- stream:
		default:
		}
		go func() {
			timeout := false
			select {
			case <-p.doneCh:
			case <-time.After(5 * time.Second):
				timeout = true
			}
			b.mu.Lock()
			delete(b.streams, id)
			b.mu.Unlock()
			if timeout {
				select {
				case s := <-p.ch:
					s.Close()
				default:
				}
			}
		}()
	}
}

func (b *broker) Accept(id uint32) (net.Conn, error) {
	p := b.get(id)
	var c net.Conn
	select {
	case c = <-p.ch:
		close(p.doneCh)
	case <-time.After(5 * time.Second):
		return nil, errors.New("timeout waiting for accept")
	}
	if err := binary.Write(c, binary.LittleEndian, id); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (b *broker) Dial(id uint32) (net.Conn, error) {
	stream, err := b.session.OpenStream()
	if err != nil {
		return nil, err
	}
	if err := binary.Write(stream, binary.LittleEndian, id); err != nil {
		stream.Close()
		return nil, err
	}
	var ack uint32
	if err := binary.Read(stream, binary.LittleEndian, &ack); err != nil {
		stream.Close()
		return nil, err
	}
	if ack != id {
		stream.Close()
		return nil, fmt.Errorf("bad ack: %d (expected %d)", ack, id)
	}
	return stream, nil
}

func readU32(c net.Conn) uint32 {
	var v uint32
	if err := binary.Read(c, binary.LittleEndian, &v); err != nil {
		fail("reading a u32 on the main stream: %v", err)
	}
	return v
}

func writeU32(c net.Conn, v uint32) {
	if err := binary.Write(c, binary.LittleEndian, v); err != nil {
		fail("writing a u32 on the main stream: %v", err)
	}
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: yamuxpeer <packer-1.6.6|packer-1.7> <scenario> <handshake line>")
	}
	network, addr := parseLine(os.Args[1], os.Args[3])
	scenario := os.Args[2]
	conn, err := net.Dial(network, addr)
	if err != nil {
		fail("dial %s %s: %v", network, addr, err)
	}
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = os.Stderr
	if scenario == "keepalive" {
		cfg.KeepAliveInterval = 20 * time.Millisecond
	}
	session, err := yamux.Client(conn, cfg)
	if err != nil {
		fail("yamux client: %v", err)
	}

	switch scenario {
	case "echo":
		s, err := session.OpenStream()
		if err != nil {
			fail("open: %v", err)
		}
		if s.StreamID()%2 != 1 {
			fail("client stream id %d is not odd", s.StreamID())
		}
		if err := echoRoundTrip(s, pattern(1, big)); err != nil {
			fail("echo: %v", err)
		}

	case "serve-echo":
		// The Rust side opens streams; echo each back, then half-close.
		for i := 0; i < 2; i++ {
			s, err := session.AcceptStream()
			if err != nil {
				fail("accept: %v", err)
			}
			if s.StreamID() == 0 || s.StreamID()%2 != 0 {
				fail("server stream id %d is not even", s.StreamID())
			}
			if _, err := io.Copy(s, s); err != nil {
				fail("echo copy: %v", err)
			}
			if err := s.Close(); err != nil {
				fail("close: %v", err)
			}
		}

	case "concurrent":
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s, err := session.OpenStream()
				if err != nil {
					errs <- err
					return
				}
				if err := echoRoundTrip(s, pattern(byte(i), 384*1024+i)); err != nil {
					errs <- fmt.Errorf("stream %d: %v", s.StreamID(), err)
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			fail("concurrent: %v", err)
		}

	case "ping":
		for i := 0; i < 3; i++ {
			if _, err := session.Ping(); err != nil {
				fail("ping %d: %v", i, err)
			}
		}

	case "keepalive":
		// Go's keepalive closes the session when a ping goes unanswered.
		time.Sleep(300 * time.Millisecond)
		if session.IsClosed() {
			fail("keepalive closed the session")
		}

	case "rst":
		s, err := session.OpenStream()
		if err != nil {
			fail("open: %v", err)
		}
		if _, err := s.Write([]byte("x")); err != nil {
			fail("write: %v", err)
		}
		buf := make([]byte, 1)
		_, err = s.Read(buf)
		if err != yamux.ErrConnectionReset {
			fail("expected a reset stream, got %v", err)
		}

	case "rust-goaway":
		// The Rust side closes the session; Accept must then fail.
		if _, err := session.AcceptStream(); err == nil {
			fail("accept succeeded after GoAway")
		}
		return

	case "goaway":
		// A GoAway from Packer's side must make the plugin end the session (close the socket).
		// The Rust side may hang up before GoAway's write is confirmed: that is the point.
		if err := session.GoAway(); err != nil && err != yamux.ErrSessionShutdown {
			fail("goaway: %v", err)
		}
		select {
		case <-session.CloseChan():
		case <-time.After(10 * time.Second):
			fail("the Rust side kept the session open after GoAway")
		}
		return

	case "golden":
		b := newBroker(session)
		c, err := b.Dial(0)
		if err != nil {
			fail("dial 0: %v", err)
		}
		if _, err := c.Write([]byte("main")); err != nil {
			fail("write: %v", err)
		}
		got, err := ioutil.ReadAll(c)
		if err != nil || string(got) != "done" {
			fail("main stream reply: %q %v", got, err)
		}
		c.Close()

	case "broker":
		b := newBroker(session)
		main, err := b.Dial(0)
		if err != nil {
			fail("dial 0: %v", err)
		}
		// Rust announces an id it accepts; we dial it.
		rid := readU32(main)
		c, err := b.Dial(rid)
		if err != nil {
			fail("dial %d: %v", rid, err)
		}
		if err := echoRoundTrip(c, pattern(9, big)); err != nil {
			fail("echo over brokered stream: %v", err)
		}
		// We announce an id we accept; Rust dials it.
		gid := b.NextID()
		writeU32(main, gid)
		c2, err := b.Accept(gid)
		if err != nil {
			fail("accept %d: %v", gid, err)
		}
		got, err := ioutil.ReadAll(c2)
		if err != nil || string(got) != "from-rust" {
			fail("brokered read: %q %v", got, err)
		}
		c2.Close()
		// Rust never accepts 77: its broker must close the stream after its timeout.
		if _, err := b.Dial(77); err == nil {
			fail("dial 77 succeeded though nobody accepts it")
		}
		writeU32(main, 77)
		if _, err := ioutil.ReadAll(main); err != nil {
			fail("drain main: %v", err)
		}
		main.Close()

	default:
		fail("unknown scenario %s", scenario)
	}
	if err := session.Close(); err != nil {
		fail("close: %v", err)
	}
}
