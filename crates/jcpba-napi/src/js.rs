//! Conversions between JavaScript values and Rust, over raw Node-API calls.
//! Every failure becomes a `Failure`; nothing here panics on bad input.

use std::os::raw::{c_char, c_void};
use std::ptr;
use std::slice;

use jcpba_core::{Error, ErrorCode, Method, MinPruning, Solution, Status};

use crate::sys::*;

/// A NUL-terminated name for Node-API from a string literal.
macro_rules! cstr {
    ($s:expr) => {
        concat!($s, "\0").as_ptr() as *const std::os::raw::c_char
    };
}
pub(crate) use cstr;

/// Why an entry point did not produce a value.
pub enum Failure {
    /// Becomes a thrown JS `Error` carrying the core's message, code, field and client.
    Core(Error),
    /// A JS exception is already pending (a Node-API call threw); let it propagate.
    Pending,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Core(e)
    }
}

pub type JsResult<T> = Result<T, Failure>;

/// One call into the addon: the environment plus the JS function name, which
/// prefixes argument errors so a caller sees which entry point complained.
#[derive(Clone, Copy)]
pub struct Js {
    pub env: napi_env,
    pub function: &'static str,
}

fn argument_error(message: String, argument: &str) -> Failure {
    Failure::Core(Error::new(ErrorCode::InvalidInput, argument, message))
}

impl Js {
    /// Turns a Node-API status into a `Failure`, telling a pending JS exception
    /// (leave it alone) from a plain failed call (report it as internal).
    pub unsafe fn check(&self, status: napi_status, call: &str) -> JsResult<()> {
        if status == NAPI_OK {
            return Ok(());
        }
        let mut pending = false;
        if napi_is_exception_pending(self.env, &mut pending) == NAPI_OK && pending {
            return Err(Failure::Pending);
        }
        Err(Failure::Core(Error::internal(format!(
            "{}: Node-API call {} failed with status {}",
            self.function, call, status
        ))))
    }

    /// The call's arguments; exactly `names.len()` must be given, so a shifted or
    /// missing argument is reported instead of being read as `undefined`.
    pub unsafe fn args(
        &self,
        info: napi_callback_info,
        names: &[&str],
    ) -> JsResult<Vec<napi_value>> {
        // One spare slot so that too many arguments are detected too.
        let mut argc = names.len() + 1;
        let mut argv: Vec<napi_value> = vec![ptr::null_mut(); argc];
        self.check(
            napi_get_cb_info(
                self.env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            ),
            "napi_get_cb_info",
        )?;
        if argc != names.len() {
            return Err(argument_error(
                format!(
                    "{} expects {} arguments ({}), got {}",
                    self.function,
                    names.len(),
                    names.join(", "),
                    argc
                ),
                "arguments",
            ));
        }
        argv.truncate(argc);
        Ok(argv)
    }

    unsafe fn typed_array<'a, T>(
        &self,
        value: napi_value,
        name: &str,
        expected: napi_typedarray_type,
        type_name: &str,
    ) -> JsResult<&'a [T]> {
        let wrong_type = || {
            argument_error(
                format!("{}: {} must be a {}", self.function, name, type_name),
                name,
            )
        };
        let mut is_typed = false;
        self.check(
            napi_is_typedarray(self.env, value, &mut is_typed),
            "napi_is_typedarray",
        )?;
        if !is_typed {
            return Err(wrong_type());
        }
        let mut kind: napi_typedarray_type = -1;
        let mut length = 0usize;
        let mut data: *mut c_void = ptr::null_mut();
        self.check(
            napi_get_typedarray_info(
                self.env,
                value,
                &mut kind,
                &mut length,
                &mut data,
                ptr::null_mut(),
                ptr::null_mut(),
            ),
            "napi_get_typedarray_info",
        )?;
        if kind != expected {
            return Err(wrong_type());
        }
        // An empty array may have no backing store at all.
        if length == 0 || data.is_null() {
            return Ok(&[]);
        }
        // JS guarantees element alignment of typed arrays; checked because the slice
        // below would be undefined behaviour otherwise.
        if (data as usize) & (std::mem::align_of::<T>() - 1) != 0 {
            return Err(argument_error(
                format!(
                    "{}: {} is not aligned to its element size",
                    self.function, name
                ),
                name,
            ));
        }
        // The view borrows the JS buffer without a copy. It stays valid for the whole
        // call: the argument keeps the buffer alive, and nothing on this thread runs JS
        // meanwhile. A SharedArrayBuffer can still be written by another thread: the
        // TypeScript facade (ts/core/problem.ts toProblemShape) copies shared columns
        // before they get here (docs/CORE_API.md).
        Ok(slice::from_raw_parts(data as *const T, length))
    }

    pub unsafe fn f64_array<'a>(&self, value: napi_value, name: &str) -> JsResult<&'a [f64]> {
        self.typed_array(value, name, NAPI_FLOAT64_ARRAY, "Float64Array")
    }

    pub unsafe fn u32_array<'a>(&self, value: napi_value, name: &str) -> JsResult<&'a [u32]> {
        self.typed_array(value, name, NAPI_UINT32_ARRAY, "Uint32Array")
    }

    unsafe fn type_of(&self, value: napi_value) -> JsResult<napi_valuetype> {
        let mut kind: napi_valuetype = -1;
        self.check(napi_typeof(self.env, value, &mut kind), "napi_typeof")?;
        Ok(kind)
    }

    pub unsafe fn number(&self, value: napi_value, name: &str) -> JsResult<f64> {
        if self.type_of(value)? != NAPI_NUMBER {
            return Err(argument_error(
                format!("{}: {} must be a number", self.function, name),
                name,
            ));
        }
        let mut x = 0.0;
        self.check(
            napi_get_value_double(self.env, value, &mut x),
            "napi_get_value_double",
        )?;
        Ok(x)
    }

    pub unsafe fn string(&self, value: napi_value, name: &str) -> JsResult<String> {
        if self.type_of(value)? != NAPI_STRING {
            return Err(argument_error(
                format!("{}: {} must be a string", self.function, name),
                name,
            ));
        }
        let mut length = 0usize;
        self.check(
            napi_get_value_string_utf8(self.env, value, ptr::null_mut(), 0, &mut length),
            "napi_get_value_string_utf8",
        )?;
        // Node writes a terminating NUL, hence the extra byte.
        let mut buf = vec![0u8; length + 1];
        self.check(
            napi_get_value_string_utf8(
                self.env,
                value,
                buf.as_mut_ptr() as *mut c_char,
                buf.len(),
                &mut length,
            ),
            "napi_get_value_string_utf8",
        )?;
        buf.truncate(length);
        // Node-API hands out valid UTF-8 (lone surrogates become U+FFFD).
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    pub unsafe fn new_string(&self, s: &str) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        self.check(
            napi_create_string_utf8(self.env, s.as_ptr() as *const c_char, s.len(), &mut v),
            "napi_create_string_utf8",
        )?;
        Ok(v)
    }

    pub unsafe fn new_number(&self, x: f64) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        self.check(
            napi_create_double(self.env, x, &mut v),
            "napi_create_double",
        )?;
        Ok(v)
    }

    pub unsafe fn new_object(&self) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        self.check(napi_create_object(self.env, &mut v), "napi_create_object")?;
        Ok(v)
    }

    pub unsafe fn new_array(&self, length: usize) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        self.check(
            napi_create_array_with_length(self.env, length, &mut v),
            "napi_create_array_with_length",
        )?;
        Ok(v)
    }

    pub unsafe fn set_element(
        &self,
        array: napi_value,
        index: usize,
        value: napi_value,
    ) -> JsResult<()> {
        if index > u32::MAX as usize {
            return Err(Failure::Core(Error::internal(format!(
                "{}: result array too long",
                self.function
            ))));
        }
        self.check(
            napi_set_element(self.env, array, index as u32, value),
            "napi_set_element",
        )
    }

    /// `name` must be NUL-terminated (use `cstr!`).
    pub unsafe fn set(
        &self,
        object: napi_value,
        name: *const c_char,
        value: napi_value,
    ) -> JsResult<()> {
        self.check(
            napi_set_named_property(self.env, object, name, value),
            "napi_set_named_property",
        )
    }

    /// A fresh Float64Array holding a copy of `data` (results are small; the core owns its Vecs).
    pub unsafe fn new_f64_array(&self, data: &[f64]) -> JsResult<napi_value> {
        let bytes = std::mem::size_of_val(data);
        let mut buffer = ptr::null_mut();
        let mut raw: *mut c_void = ptr::null_mut();
        self.check(
            napi_create_arraybuffer(self.env, bytes, &mut raw, &mut buffer),
            "napi_create_arraybuffer",
        )?;
        if bytes > 0 {
            ptr::copy_nonoverlapping(data.as_ptr() as *const u8, raw as *mut u8, bytes);
        }
        let mut array = ptr::null_mut();
        self.check(
            napi_create_typedarray(
                self.env,
                NAPI_FLOAT64_ARRAY,
                data.len(),
                buffer,
                0,
                &mut array,
            ),
            "napi_create_typedarray",
        )?;
        Ok(array)
    }

    /// The result object of docs/CORE_API.md, in the property order of the TypeScript
    /// reference (ts/core/methods.ts): feasible, the point and its accounting, the bounds
    /// only when present; infeasible, `null` for the point and its accounting, the bounds
    /// of `optimal` (`lowerBound` a number or null, `upperBound` null), `infeasibleClients`.
    pub unsafe fn solution(&self, s: &Solution) -> JsResult<napi_value> {
        let o = self.new_object()?;
        let point = s.has_point();
        let number = |x: f64| {
            if point {
                self.new_number(x)
            } else {
                self.null()
            }
        };
        self.set(o, cstr!("method"), self.new_string(s.method.id())?)?;
        self.set(o, cstr!("latency"), number(s.latency)?)?;
        self.set(o, cstr!("pruning"), self.f64_array_or_null(&s.pruning, point)?)?;
        self.set(
            o,
            cstr!("bandwidth"),
            self.f64_array_or_null(&s.bandwidth, point)?,
        )?;
        self.set(
            o,
            cstr!("clientLatency"),
            self.f64_array_or_null(&s.client_latency, point)?,
        )?;
        self.set(o, cstr!("energy"), self.f64_array_or_null(&s.energy, point)?)?;
        self.set(o, cstr!("energyTotal"), number(s.energy_total)?)?;
        self.set(o, cstr!("energyMax"), number(s.energy_max)?)?;
        self.set(o, cstr!("uploadBits"), number(s.upload_bits)?)?;
        self.set(o, cstr!("computeSeconds"), number(s.compute_seconds)?)?;
        self.set(
            o,
            cstr!("iterations"),
            self.new_number(s.iterations as f64)?,
        )?;
        self.set(o, cstr!("status"), self.new_string(s.status.as_str())?)?;
        if point {
            if let Some(x) = s.lower_bound {
                self.set(o, cstr!("lowerBound"), self.new_number(x)?)?;
            }
            if let Some(x) = s.upper_bound {
                self.set(o, cstr!("upperBound"), self.new_number(x)?)?;
            }
        } else {
            if s.method == Method::Optimal {
                self.set(o, cstr!("lowerBound"), self.number_or_null(s.lower_bound)?)?;
                self.set(o, cstr!("upperBound"), self.null()?)?;
            }
            let clients = self.new_array(s.infeasible_clients.len())?;
            for (i, &k) in s.infeasible_clients.iter().enumerate() {
                self.set_element(clients, i, self.new_number(k as f64)?)?;
            }
            self.set(o, cstr!("infeasibleClients"), clients)?;
        }
        Ok(o)
    }

    pub unsafe fn null(&self) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        self.check(napi_get_null(self.env, &mut v), "napi_get_null")?;
        Ok(v)
    }

    /// A number, or `null` when absent.
    unsafe fn number_or_null(&self, x: Option<f64>) -> JsResult<napi_value> {
        match x {
            Some(x) => self.new_number(x),
            None => self.null(),
        }
    }

    /// A Float64Array, or `null` when there is no point (deadline mode, infeasible).
    unsafe fn f64_array_or_null(&self, data: &[f64], present: bool) -> JsResult<napi_value> {
        if present {
            self.new_f64_array(data)
        } else {
            self.null()
        }
    }

    /// Deadline mode's result object (docs/CORE_API.md, "Deadline mode"), in the property
    /// order of the TypeScript reference; `minDeadline` only when infeasible (null when the
    /// caps alone rule out every deadline), then `infeasibleClients` when the core names them.
    pub unsafe fn min_pruning(&self, r: &MinPruning) -> JsResult<napi_value> {
        let o = self.new_object()?;
        let point = r.weighted_pruning.is_some();
        self.set(o, cstr!("method"), self.new_string("min-pruning")?)?;
        self.set(o, cstr!("deadline"), self.new_number(r.deadline)?)?;
        self.set(
            o,
            cstr!("weightedPruning"),
            self.number_or_null(r.weighted_pruning)?,
        )?;
        self.set(o, cstr!("lowerBound"), self.number_or_null(r.lower_bound)?)?;
        self.set(o, cstr!("upperBound"), self.number_or_null(r.upper_bound)?)?;
        self.set(o, cstr!("latency"), self.number_or_null(r.latency)?)?;
        self.set(
            o,
            cstr!("pruning"),
            self.f64_array_or_null(&r.pruning, point)?,
        )?;
        self.set(
            o,
            cstr!("bandwidth"),
            self.f64_array_or_null(&r.bandwidth, point)?,
        )?;
        self.set(
            o,
            cstr!("clientLatency"),
            self.f64_array_or_null(&r.client_latency, point)?,
        )?;
        self.set(
            o,
            cstr!("iterations"),
            self.new_number(r.iterations as f64)?,
        )?;
        self.set(o, cstr!("status"), self.new_string(r.status.as_str())?)?;
        if r.status == Status::Infeasible {
            // null when the energy caps alone rule out every deadline (MODEL.md 11.2).
            self.set(o, cstr!("minDeadline"), self.number_or_null(r.min_deadline)?)?;
        }
        if let Some(list) = r.infeasible_clients.as_ref() {
            let clients = self.new_array(list.len())?;
            for (i, &k) in list.iter().enumerate() {
                self.set_element(clients, i, self.new_number(k as f64)?)?;
            }
            self.set(o, cstr!("infeasibleClients"), clients)?;
        }
        Ok(o)
    }

    /// Throws `failure` as a JS exception. A core error becomes an `Error` whose message
    /// is exactly the core's, with a `code` property, and `field` and `client` when an
    /// input or a client is at fault.
    pub unsafe fn throw(&self, failure: Failure) {
        let error = match failure {
            Failure::Pending => return,
            Failure::Core(e) => e,
        };
        let mut pending = false;
        if napi_is_exception_pending(self.env, &mut pending) == NAPI_OK && pending {
            return;
        }
        if self.throw_error(&error).is_err() {
            // Building the rich error failed (out of memory?); still throw something.
            napi_throw_error(
                self.env,
                cstr!("internal"),
                cstr!("jcpba: failed to build the error object"),
            );
        }
    }

    unsafe fn throw_error(&self, e: &Error) -> JsResult<()> {
        let code = self.new_string(e.code.as_str())?;
        let message = self.new_string(&e.message)?;
        let mut error = ptr::null_mut();
        // Passing `code` makes Node set the error's `code` property itself.
        self.check(
            napi_create_error(self.env, code, message, &mut error),
            "napi_create_error",
        )?;
        // Like the TypeScript JcpbaError: no `field` when no input is at fault (internal).
        if !e.field.is_empty() {
            self.set(error, cstr!("field"), self.new_string(&e.field)?)?;
        }
        if let Some(k) = e.client {
            self.set(error, cstr!("client"), self.new_number(k as f64)?)?;
        }
        self.check(napi_throw(self.env, error), "napi_throw")
    }
}
