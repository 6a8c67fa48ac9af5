#include "tools/interrupt.hpp"

namespace ebm::tools {
namespace {

volatile std::sig_atomic_t interrupt_seen = 0;

extern "C" void on_interrupt(int) { interrupt_seen = 1; }

}  // namespace

InterruptGuard::InterruptGuard() : previous_(std::signal(SIGINT, on_interrupt)) { interrupt_seen = 0; }

InterruptGuard::~InterruptGuard() { std::signal(SIGINT, previous_); }

bool InterruptGuard::interrupted() const { return interrupt_seen != 0; }

}  // namespace ebm::tools
