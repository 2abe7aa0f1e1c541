/*
 * A stand-in for Windows' bcryptprimitives.dll, for running jobcheck.exe and
 * its tests under Wine 8 (Debian 12), which has no such DLL. Rust's standard
 * library (1.78 and later) gets its random numbers from ProcessPrng in
 * bcryptprimitives.dll; this one forwards to advapi32's RtlGenRandom
 * (exported as SystemFunction036), which Wine has. It is never shipped:
 * real Windows has the DLL. Built by dist/windows/wine.sh.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
