package faults

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// pidOfPeer finds which of pids owns the client end of a local TCP
// connection whose client address is peer ("127.0.0.1:54321"), from
// /proc/net/tcp (the socket's inode) and /proc/<pid>/fd (who holds it).
// The three-instance test uses it to kill an instance the SMTP sink holds
// mid-send. 0 when none does (or /proc is not there).
func pidOfPeer(peer string, pids []int) int {
	host, port, err := net.SplitHostPort(peer)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(port)
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return 0
	}
	// /proc/net/tcp writes an IPv4 address as the hex of its 32 bits in host
	// (little-endian) order, then the port in hex.
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0
	}
	defer f.Close()
	inode := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 9 && fs[1] == local {
			inode = fs[9]
			break
		}
	}
	if inode == "" || inode == "0" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, err := os.Readlink(dir + "/" + fd.Name()); err == nil && l == want {
				return pid
			}
		}
	}
	return 0
}
