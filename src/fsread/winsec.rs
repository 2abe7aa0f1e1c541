//! The Windows answer to "is this file ours, and can others change it?",
//! which Unix answers with the owner uid and the mode bits: the owner in the
//! file's security descriptor, against the user running the tool, and the
//! write rights its access list grants to everyone, to all users or to all
//! authenticated users.

use std::fs::File;
use std::os::windows::io::AsRawHandle;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{GetSecurityInfo, SE_FILE_OBJECT};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACL, DACL_SECURITY_INFORMATION, EqualSid, GetAce, GetTokenInformation,
    IsWellKnownSid, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, TOKEN_QUERY,
    TOKEN_USER, TokenUser, WinAuthenticatedUserSid, WinBuiltinAdministratorsSid,
    WinBuiltinUsersSid, WinWorldSid,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Who owns a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The user running the tool.
    Me,
    /// The Administrators group (what an elevated administrator's files
    /// belong to; the counterpart of root).
    Administrators,
    /// Anyone else.
    Other,
}

/// What Windows records about who may change a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub owner: Owner,
    /// Whom the access list lets write it, beyond its owner: "everyone",
    /// "all users" or "all authenticated users".
    pub writable_by: Option<&'static str>,
}

/// Rights that let someone change a file or a directory's entries.
const WRITE_RIGHTS: u32 = 0x0000_0002 // FILE_WRITE_DATA / FILE_ADD_FILE
    | 0x0000_0004 // FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY
    | 0x0000_0040 // FILE_DELETE_CHILD
    | 0x0004_0000 // WRITE_DAC
    | 0x0008_0000 // WRITE_OWNER
    | 0x1000_0000 // GENERIC_ALL
    | 0x4000_0000; // GENERIC_WRITE
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
const INHERIT_ONLY_ACE: u8 = 0x08;

/// The owner and access list of an open file or directory.
pub fn access_of(file: &File) -> std::io::Result<Access> {
    let handle = file.as_raw_handle() as HANDLE;
    let mut owner: PSID = std::ptr::null_mut();
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a valid handle; the out pointers point into `sd`, which is
    // freed below and outlives every use of them.
    let rc = unsafe {
        GetSecurityInfo(
            handle,
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut owner,
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc as i32));
    }
    let result = (|| {
        let me = current_user()?;
        // SAFETY: both are valid SIDs (the owner from the descriptor, ours
        // from the token buffer, alive here).
        let owner = if !owner.is_null() && unsafe { EqualSid(owner, me.sid()) } != 0 {
            Owner::Me
        } else if !owner.is_null()
            && unsafe { IsWellKnownSid(owner, WinBuiltinAdministratorsSid) } != 0
        {
            Owner::Administrators
        } else {
            Owner::Other
        };
        // SAFETY: `dacl` is null or a valid ACL inside `sd`.
        let writable_by = unsafe { others_who_may_write(dacl) };
        Ok(Access { owner, writable_by })
    })();
    // SAFETY: allocated by GetSecurityInfo with LocalAlloc.
    unsafe { LocalFree(sd) };
    result
}

/// The owner and access list of a directory (or file) by path.
pub fn access_of_path(path: &Path) -> std::io::Result<Access> {
    use std::os::windows::fs::OpenOptionsExt;
    // FILE_FLAG_BACKUP_SEMANTICS: needed to open a directory. READ_CONTROL
    // is enough to read its security descriptor.
    let file = std::fs::OpenOptions::new()
        .access_mode(0x0002_0000)
        .custom_flags(0x0200_0000)
        .open(path)?;
    access_of(&file)
}

/// Everyone, all users or all authenticated users, if an entry of the
/// access list that applies to the object lets them write it. A null list
/// lets everyone do everything.
///
/// # Safety
/// `dacl` is null or points to a valid ACL.
unsafe fn others_who_may_write(dacl: *mut ACL) -> Option<&'static str> {
    if dacl.is_null() {
        return Some("everyone");
    }
    // SAFETY: a valid ACL, by the caller's promise.
    let count = unsafe { (*dacl).AceCount };
    for i in 0..u32::from(count) {
        let mut ace: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: `i` is below the ACL's count.
        if unsafe { GetAce(dacl, i, &mut ace) } == 0 || ace.is_null() {
            continue;
        }
        let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
        // SAFETY: every ACE starts with its header; an allowed ACE has the
        // mask and the SID after it.
        let header = unsafe { (*ace).Header };
        if header.AceType != ACCESS_ALLOWED_ACE_TYPE || header.AceFlags & INHERIT_ONLY_ACE != 0 {
            continue;
        }
        // SAFETY: as above.
        let mask = unsafe { (*ace).Mask };
        if mask & WRITE_RIGHTS == 0 {
            continue;
        }
        // SAFETY: the SID begins at SidStart inside the ACE.
        let sid = unsafe { std::ptr::addr_of_mut!((*ace).SidStart) }.cast::<std::ffi::c_void>();
        for (kind, name) in [
            (WinWorldSid, "everyone"),
            (WinBuiltinUsersSid, "all users"),
            (WinAuthenticatedUserSid, "all authenticated users"),
        ] {
            // SAFETY: a valid SID inside the ACE.
            if unsafe { IsWellKnownSid(sid, kind) } != 0 {
                return Some(name);
            }
        }
    }
    None
}

/// The user of the process's token.
struct TokenUserBuf(Vec<u64>);

impl TokenUserBuf {
    fn sid(&self) -> PSID {
        // SAFETY: the buffer holds a TOKEN_USER (aligned: a u64 buffer).
        unsafe { (*self.0.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

fn current_user() -> std::io::Result<TokenUserBuf> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the pseudo-handle of this process; `token` receives a handle
    // closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut buf = vec![0u64; 64];
    let mut len = 0u32;
    let mut result = Ok(());
    for _ in 0..2 {
        // SAFETY: the buffer is as long as said.
        let ok = unsafe {
            GetTokenInformation(
                token,
                TokenUser,
                buf.as_mut_ptr().cast(),
                (buf.len() * 8) as u32,
                &mut len,
            )
        };
        if ok != 0 {
            result = Ok(());
            break;
        }
        result = Err(std::io::Error::last_os_error());
        buf = vec![0u64; (len as usize).div_ceil(8).max(buf.len() * 2)];
    }
    // SAFETY: opened above.
    unsafe { CloseHandle(token) };
    result.map(|()| TokenUserBuf(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use windows_sys::Win32::Security::Authorization::{
        EXPLICIT_ACCESS_W, GRANT_ACCESS, NO_MULTIPLE_TRUSTEE, SetEntriesInAclW, SetSecurityInfo,
        TRUSTEE_IS_SID, TRUSTEE_IS_WELL_KNOWN_GROUP, TRUSTEE_W,
    };
    use windows_sys::Win32::Security::{CreateWellKnownSid, NO_INHERITANCE};

    /// Let everyone write `path`, as `chmod o+w` would on Unix.
    fn grant_everyone_write(path: &Path) {
        use std::os::windows::fs::OpenOptionsExt;
        // READ_CONTROL | WRITE_DAC, and FILE_FLAG_BACKUP_SEMANTICS for a directory.
        let file = std::fs::OpenOptions::new()
            .access_mode(0x0002_0000 | 0x0004_0000)
            .custom_flags(0x0200_0000)
            .open(path)
            .unwrap();
        let handle = file.as_raw_handle() as HANDLE;
        let mut sid = [0u64; 16];
        let mut len = std::mem::size_of_val(&sid) as u32;
        // SAFETY: the buffer is as long as said.
        assert_ne!(
            unsafe {
                CreateWellKnownSid(
                    WinWorldSid,
                    std::ptr::null_mut(),
                    sid.as_mut_ptr().cast(),
                    &mut len,
                )
            },
            0
        );
        let mut old: *mut ACL = std::ptr::null_mut();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: a valid handle and out pointers.
        let rc = unsafe {
            GetSecurityInfo(
                handle,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut old,
                std::ptr::null_mut(),
                &mut sd,
            )
        };
        assert_eq!(rc, 0);
        let entry = EXPLICIT_ACCESS_W {
            grfAccessPermissions: 0x4000_0000, // GENERIC_WRITE
            grfAccessMode: GRANT_ACCESS,
            grfInheritance: NO_INHERITANCE,
            Trustee: TRUSTEE_W {
                pMultipleTrustee: std::ptr::null_mut(),
                MultipleTrusteeOperation: NO_MULTIPLE_TRUSTEE,
                TrusteeForm: TRUSTEE_IS_SID,
                TrusteeType: TRUSTEE_IS_WELL_KNOWN_GROUP,
                ptstrName: sid.as_mut_ptr().cast(),
            },
        };
        let mut new: *mut ACL = std::ptr::null_mut();
        // SAFETY: one valid entry; `old` is inside `sd`.
        assert_eq!(unsafe { SetEntriesInAclW(1, &entry, old, &mut new) }, 0);
        // SAFETY: a handle opened with WRITE_DAC and a valid new list.
        let rc = unsafe {
            SetSecurityInfo(
                handle,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                new,
                std::ptr::null(),
            )
        };
        // SAFETY: both allocated with LocalAlloc by the calls above.
        unsafe {
            LocalFree(new.cast());
            LocalFree(sd);
        }
        assert_eq!(rc, 0, "SetSecurityInfo");
    }

    #[test]
    fn a_new_file_is_ours_and_private_until_everyone_may_write_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        std::fs::write(&path, "x").unwrap();
        let access = access_of(&File::open(&path).unwrap()).unwrap();
        assert_eq!(access.owner, Owner::Me);
        assert_eq!(access.writable_by, None);
        grant_everyone_write(&path);
        let access = access_of(&File::open(&path).unwrap()).unwrap();
        assert_eq!(access.writable_by, Some("everyone"));
    }

    #[test]
    fn a_directory_everyone_may_write_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        assert_eq!(access_of_path(&cache).unwrap().writable_by, None);
        grant_everyone_write(&cache);
        assert_eq!(
            access_of_path(&cache).unwrap().writable_by,
            Some("everyone")
        );
        let e = crate::platform::cache_dir::check_dir(&cache).unwrap_err();
        assert!(e.contains("writable by everyone"), "{e}");
    }
}
