"""Who is acting, what they may do, and which organizations they see."""
