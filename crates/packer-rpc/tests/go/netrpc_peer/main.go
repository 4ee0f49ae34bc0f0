// A Go peer speaking Packer's net/rpc exactly as Packer does: Go's net/rpc with ugorji's GoRpc
// codec and MsgpackHandle{WriteExt: true, RawToString: true} (Debian's ugorji 1.2.8, the one
// Debian's Packer 1.6.6 links). The Rust integration test builds and drives it.
//
//	netrpc_peer golden            prints "name hex" lines: Go's bytes for Packer's RPC shapes
//	netrpc_peer interop SOCKET    dials SOCKET twice (role byte 'S' = Go serves, 'C' = Go calls)
package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ugorji/go/codec"
)

func handle() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{WriteExt: true}
	h.RawToString = true
	// Packer's SDK decodes untyped values into map[string]interface{}.
	h.MapType = reflect.TypeOf(map[string]interface{}(nil))
	return h
}

// Shapes copied field-for-field from packer-plugin-sdk/rpc.
type BasicError struct{ Message string }

type BuilderPrepareArgs struct{ Configs []interface{} }

type BuilderPrepareResponse struct {
	GeneratedVars []string
	Warnings      []string
	Error         *BasicError
}

type PostProcessorProcessResponse struct {
	Err           *BasicError
	Keep          bool
	ForceOverride bool
	StreamId      uint32
}

type HookRunArgs struct {
	Name     string
	Data     interface{}
	StreamId uint32
}

type UiMachineArgs struct {
	Category string
	Args     []string
}

type TrackProgressParameters struct {
	Src         string
	TotalSize   int64
	CurrentSize int64
}

type fileInfo struct {
	N string
	S int64
	M os.FileMode
	T time.Time
}

type CommunicatorUploadArgs struct {
	Path           string
	ReaderStreamId uint32
	FileInfo       *fileInfo
}

type ConfigSpecResponse struct{ ConfigSpec []byte }

func enc(v interface{}) string {
	var out []byte
	if err := codec.NewEncoderBytes(&out, handle()).Encode(v); err != nil {
		panic(err)
	}
	return hex.EncodeToString(out)
}

// requestBytes captures what Go's net/rpc client writes for one call.
func requestBytes(method string, args interface{}) string {
	a, b := net.Pipe()
	client := rpc.NewClientWithCodec(codec.GoRpc.ClientCodec(a, handle()))
	// net/rpc writes the request from the calling goroutine, and a pipe write waits for a read.
	go client.Go(method, args, new(interface{}), nil)
	buf := make([]byte, 65536)
	n, err := b.Read(buf)
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(buf[:n])
}

type Ui struct {
	mu     sync.Mutex
	said   []string
	client func() *rpc.Client
}

func (u *Ui) Say(msg string, _ *interface{}) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.said = append(u.said, msg)
	return nil
}

func (u *Ui) Ask(q string, reply *string) error {
	*reply = "answer to " + q
	return nil
}

func (u *Ui) Machine(args *UiMachineArgs, _ *interface{}) error {
	return u.Say("machine "+args.Category+" "+strings.Join(args.Args, ","), nil)
}

func (u *Ui) NewTrackProgress(p *TrackProgressParameters, reply *string) error {
	*reply = fmt.Sprintf("%s/%d/%d", p.Src, p.TotalSize, p.CurrentSize)
	return nil
}

func (u *Ui) Fail(msg string, _ *interface{}) error {
	return errors.New("failed: " + msg)
}

type Hook struct{ ui *Ui }

// Run calls back into the plugin's Ui while the plugin's own Hook.Run call is outstanding,
// exactly like Packer running provisioners.
func (h *Hook) Run(args *HookRunArgs, _ *interface{}) error {
	data, _ := args.Data.(map[string]interface{})
	var none interface{}
	msg := fmt.Sprintf("provisioner for %v on stream %d", data["ID"], args.StreamId)
	return h.ui.client().Call("Ui.Say", msg, &none)
}

// Upload checks a FileInfo time written by the plugin.
type Communicator struct{ ui *Ui }

func (c *Communicator) Upload(args *CommunicatorUploadArgs, _ *interface{}) error {
	fi := args.FileInfo
	return c.ui.Say(fmt.Sprintf("upload %s %s %d %o %s", args.Path, fi.N, fi.S, uint32(fi.M), fi.T.UTC().Format(time.RFC3339Nano)), nil)
}

func golden() {
	rows := [][2]string{
		{"req_configspec", requestBytes("Builder.ConfigSpec", new(interface{}))},
		{"req_run", requestBytes("Builder.Run", uint32(1))},
		{"req_ui_say", requestBytes("Ui.Say", "hello")},
		{"req_track_add", requestBytes("UiSrc/x.isoAbC123.Add", 4096)},
		{"prepare_args", enc(&BuilderPrepareArgs{Configs: []interface{}{
			map[string]interface{}{"count": 3.0},
			[]byte(`{"value":{"foo":"x"},"type":["object",{"foo":"string"}]}`),
		}})},
		{"prepare_reply_ok", enc(&BuilderPrepareResponse{GeneratedVars: []string{"Foo"}})},
		{"prepare_reply_err", enc(&BuilderPrepareResponse{Warnings: []string{"w"}, Error: &BasicError{"bad"}})},
		{"configspec_reply", enc(&ConfigSpecResponse{ConfigSpec: []byte{0x1a, 0xff}})},
		{"pp_reply", enc(&PostProcessorProcessResponse{Keep: true, StreamId: 1})},
		{"hook_run", enc(&HookRunArgs{Name: "packer_provision", Data: map[string]interface{}{"ID": "vm-1"}, StreamId: 1})},
		{"ui_machine", enc(&UiMachineArgs{Category: "artifact", Args: []string{"0", "id"}})},
		{"track_progress", enc(&TrackProgressParameters{Src: "x.iso", TotalSize: 1000, CurrentSize: 0})},
		{"upload_args", enc(&CommunicatorUploadArgs{Path: "/tmp/f", ReaderStreamId: 3, FileInfo: &fileInfo{N: "f", S: 300, M: 0644, T: time.Unix(1700000000, 5)}})},
		{"upload_args_nil", enc(&CommunicatorUploadArgs{Path: "/tmp/f", ReaderStreamId: 3})},
		{"time_secs", enc(time.Unix(1700000000, 0))},
		{"time_before_1970", enc(time.Unix(-1, 0))},
		{"time_zero", enc(time.Time{})},
		{"ints", enc([]interface{}{int64(-33), 128, int64(1 << 40), int64(-70000), uint64(300), uint32(70000), int8(5), 3.0, float32(1.5)})},
		{"str40", enc(strings.Repeat("s", 40))},
		{"bin300", enc(make([]byte, 300))},
		{"empty_struct", enc(struct{}{})},
		{"nil_slice", enc([]string(nil))},
	}
	for _, r := range rows {
		fmt.Println(r[0], r[1])
	}
}

func dial(path string, role byte) net.Conn {
	conn, err := net.Dial("unix", path)
	if err != nil {
		panic(err)
	}
	if _, err := conn.Write([]byte{role}); err != nil {
		panic(err)
	}
	return conn
}

func check(ok bool, format string, args ...interface{}) {
	if ok {
		fmt.Println("ok " + fmt.Sprintf(format, args...))
	} else {
		fmt.Println("FAIL " + fmt.Sprintf(format, args...))
	}
}

// callRust plays Packer calling the plugin: shapes, errors and concurrency.
func callRust(client *rpc.Client) {
	var prep BuilderPrepareResponse
	err := client.Call("Builder.Prepare", &BuilderPrepareArgs{Configs: []interface{}{
		map[string]interface{}{"count": 3.0, "packer_debug": false},
		[]byte(`{"value":{"foo":"x"}}`),
	}}, &prep)
	check(err == nil && reflect.DeepEqual(prep.GeneratedVars, []string{"Foo", "count=3"}) && prep.Warnings == nil && prep.Error == nil,
		"prepare %v %#v", err, prep)

	var prepErr BuilderPrepareResponse
	err = client.Call("Builder.Prepare", &BuilderPrepareArgs{Configs: []interface{}{}}, &prepErr)
	check(err == nil && prepErr.Error != nil && prepErr.Error.Message == "no configs", "prepare_error %v %#v", err, prepErr)

	var runReply uint32
	err = client.Call("Builder.Run", uint32(7), &runReply)
	check(err == nil && runReply == 8, "run %v %d", err, runReply)

	var pp PostProcessorProcessResponse
	err = client.Call("PostProcessor.PostProcess", uint32(1), &pp)
	check(err == nil && pp.Keep && !pp.ForceOverride && pp.StreamId == 2 && pp.Err == nil, "postprocess %v %#v", err, pp)

	var none interface{}
	err = client.Call("Builder.Nope", nil, &none)
	check(err != nil && err.Error() == "rpc: can't find method Builder.Nope", "unknown_method %v", err)
	err = client.Call("Nope.X", nil, &none)
	check(err != nil && err.Error() == "rpc: can't find service Nope.X", "unknown_service %v", err)
	err = client.Call("Builder.Fail", "why", &none)
	check(err != nil && err.Error() == "it failed: why", "method_error %v", err)

	// The connection stays usable after errors, and many calls run at once: each sleeps
	// longer the smaller its number, so replies come back out of order.
	var wg sync.WaitGroup
	results := make([]int64, 20)
	errs := make([]error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = client.Call("Echo.Slow", int64(i), &results[i])
		}(i)
	}
	wg.Wait()
	good := true
	for i := range results {
		good = good && errs[i] == nil && results[i] == int64(i)*1000
	}
	check(good, "concurrent %v %v", errs, results)

	var fileReply fileInfo
	err = client.Call("Echo.FileInfo", &fileInfo{N: "n", S: 1, M: 0755, T: time.Unix(1700000000, 123)}, &fileReply)
	check(err == nil && fileReply.T.Equal(time.Unix(1700000000, 123)) && fileReply.M == 0755, "fileinfo_time %v %#v", err, fileReply)
}

func interop(path string) {
	ui := &Ui{}
	var rustClient *rpc.Client
	ui.client = func() *rpc.Client { return rustClient }

	server := rpc.NewServer()
	must(server.Register(ui))
	must(server.Register(&Hook{ui: ui}))
	must(server.Register(&Communicator{ui: ui}))

	// Both connections exist before anything is served or called, so Hook.Run can call back.
	serveConn := dial(path, 'S')
	callConn := dial(path, 'C')
	rustClient = rpc.NewClientWithCodec(codec.GoRpc.ClientCodec(callConn, handle()))

	served := make(chan struct{})
	go func() {
		server.ServeCodec(codec.GoRpc.ServerCodec(serveConn, handle()))
		close(served)
	}()
	callRust(rustClient)
	// The plugin side closes its client when done, which ends ServeCodec.
	<-served
	rustClient.Close()

	ui.mu.Lock()
	said := append([]string(nil), ui.said...)
	ui.mu.Unlock()
	sort.Strings(said)
	for _, s := range said {
		fmt.Println("said " + s)
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "golden":
		golden()
	case len(os.Args) == 3 && os.Args[1] == "interop":
		interop(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: netrpc_peer golden | interop SOCKET")
		os.Exit(2)
	}
}
